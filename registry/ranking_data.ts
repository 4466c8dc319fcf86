/**
 * Portolan's own editorial ranking of ports, most commonly exposed first. This is NOT measured
 * frequency: it is a hand-made ordering from public knowledge of widely deployed services
 * (see registry/PROVENANCE.md). `services.ts` continues each list with the remaining
 * IANA-named ports in ascending order, then every other port.
 */

// deno-fmt-ignore
/** Hand-ranked TCP ports: the seed table's TCP ports first, then common services by kind. */
export const TCP_RANKING_HEAD: readonly number[] = [
  // Seed table ports that run on TCP, most familiar first.
  80, 443, 22, 21, 25, 23, 53, 110, 143, 3389, 445, 139, 135, 3306, 8080, 993, 995, 587, 465, 5900,
  8443, 1433, 5432, 1723, 389, 20, 1521, 2049, 6379, 9200, 5985, 5986, 11211, 25565, 3307, 9000,
  5060, 5061,
  // First tier across all kinds, so that the top 100 (-F) samples every kind of service.
  8000, 8888, 3000, 5000, 8081, 8008, 111, 2222, 5901, 636, 88, 3268, 1080, 3128, 27017, 1883,
  5672, 9092, 2375, 6443, 10250, 5601, 9090, 9100, 631, 515, 548, 873, 1194, 554, 1720, 5222, 6667,
  102, 502, 7547, 8291, 10000, 9443, 4443, 5984, 27015, 7777, 1099, 2181, 9042, 8009, 7001, 81,
  113, 119, 179, 199, 512, 513, 514, 990, 3690, 9418, 5800, 4899, 6000, 8001, 8088,
  // Web servers, proxies, admin panels and development servers.
  8880, 8181, 7002, 8082, 8090, 8083, 8084, 8085, 8089, 8180, 8800, 4000, 4200, 5001, 5173, 8002,
  8003, 8010, 8100, 8200, 8280, 8448, 8834, 9001, 9080, 9081, 9091, 9999, 8118, 82, 83, 84, 591,
  2082, 2083, 2086, 2087, 2095, 2096, 7080, 7443, 8243, 8500, 8983, 9002, 9060, 9043, 4848, 8161,
  8686, 9990, 10443, 16080, 18080,
  // Mail and messaging.
  26, 106, 109, 2525, 4190, 563, 5269, 5280, 6697, 194, 8883, 5671, 61616, 61613, 4369, 15672,
  // Remote administration and remote desktop.
  5902, 5903, 5938, 1494, 2598, 3283, 5631, 6001, 992, 177, 8728, 8729, 10001, 623, 664, 16992,
  16993, 902, 903, 5480, 9389, 47001,
  // Directory, authentication and name services.
  464, 3269, 749, 750, 754, 43, 1812,
  // File sharing, storage and backup.
  989, 3260, 69, 115, 2000, 5005, 6881, 2401, 8384, 22000,
  // Databases, caches and search.
  27018, 27019, 1434, 1526, 2483, 2484, 3050, 5433, 6380, 7000, 7199, 8086, 8091, 9160, 9300,
  26257, 28015, 33060, 50000, 1583, 8529, 7474, 7687, 9600, 8087, 6432,
  // Containers, orchestration, service discovery and monitoring.
  2376, 2377, 2379, 2380, 10255, 10256, 8472, 4789, 9093, 9115, 9187, 3100, 5044, 8125, 2003, 2004,
  8300, 8301, 8302, 8400, 8600, 4646, 4647, 7946, 5666, 10050, 10051, 161, 1098, 8020, 8042, 9870,
  50070, 50075, 16010, 60010,
  // VPN and tunnelling.
  500, 4500, 1701, 1702, 4433, 943, 1337, 9050, 9051, 9150,
  // VoIP, conferencing and streaming.
  5038, 4569, 8554, 1935, 7070, 3478, 5349, 1755,
  // IoT, industrial control and embedded devices.
  20000, 44818, 4840, 1911, 2404, 789, 18245, 5555, 37777, 34567, 1900, 5683, 49152, 49153, 49154,
  49155, 49156, 49157, 8899, 62078, 5353,
  // Game servers.
  25575, 3724, 6112, 26000, 27016, 28016, 30120, 2302, 7778, 34197,
  // Classic Unix services and Windows RPC helpers.
  7, 9, 13, 17, 19, 37, 70, 79, 1025, 1026, 1027, 1028, 1029, 1110, 2103, 2105, 2107, 1801, 3527,
  593, 2179, 5357, 5358, 3343, 1688, 5722, 6516,
  // Other widely deployed applications.
  8140, 9997, 9998, 8111, 8222, 8333, 8545, 8546, 30303, 18081, 9735, 3001, 3333, 4567, 4444, 5050,
  6060, 6666, 6543, 7071, 7072, 8060, 8069, 8123, 8139, 8787, 9009, 9010, 9411, 9876, 11000, 12345,
  31337,
];

// deno-fmt-ignore
/** Hand-ranked UDP ports: the seed table's UDP ports first, then common services by kind. */
export const UDP_RANKING_HEAD: readonly number[] = [
  // Seed table ports that run on UDP, most familiar first.
  53, 67, 68, 123, 161, 137, 138, 5353, 1812, 1813, 162, 443, 5060, 389, 1434, 2049, 135, 3389,
  11211,
  // Name resolution, discovery and configuration.
  1900, 5355, 3702, 427, 546, 547, 69, 111, 2048, 4011, 5351, 5350, 853,
  // VPN, tunnelling and NAT traversal.
  500, 4500, 1701, 1194, 51820, 1723, 3478, 3479, 5349, 4789, 6081, 8472, 2152, 2123, 1645, 1646,
  // Monitoring, logging and management.
  514, 520, 521, 623, 10161, 10162, 49, 6514, 2055, 6343, 4739, 9995, 9996, 1985, 3503,
  // Authentication and time.
  88, 464, 750, 319, 320,
  // Windows, printing and file sharing.
  631, 445, 139, 5357, 3544, 2869, 5004, 5005,
  // VoIP, conferencing and streaming.
  5061, 4569, 1718, 1719, 2427, 2727, 16384, 8801, 3480, 554, 1935,
  // IoT, industrial control and embedded devices.
  5683, 5684, 47808, 44818, 2222, 20000, 34962, 34963, 34964, 502, 102, 4840, 17185, 1911, 9600,
  5555, 6666, 10001, 37020, 32414, 9999, 2000, 10000,
  // Game servers and peer-to-peer.
  27015, 27016, 19132, 3074, 7777, 27960, 26000, 28960, 9987, 64738, 6881, 6112, 4380, 25565,
  27005, 30120, 2302, 2303, 34197,
  // Classic Unix and legacy services.
  7, 9, 13, 17, 19, 37, 177, 512, 513, 517, 518, 525, 1025, 1026, 1027, 1028, 31337,
  // Databases and caches that answer on UDP.
  1433, 3306, 5432, 6379, 9200, 28017, 8086, 8125, 8126,
];
