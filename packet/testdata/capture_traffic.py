import socket, time, subprocess, sys
def run():
    # listener v4 + v6
    l4 = socket.socket(); l4.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR,1); l4.bind(("127.0.0.1", 47811)); l4.listen()
    l6 = socket.socket(socket.AF_INET6); l6.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR,1); l6.bind(("::1", 47812)); l6.listen()
    for fam, addr in ((socket.AF_INET, ("127.0.0.1", 47811)), (socket.AF_INET6, ("::1", 47812))):
        c = socket.socket(fam); c.connect(addr); a,_ = (l4 if fam==socket.AF_INET else l6).accept()
        c.send(b"hello"); a.recv(10); c.close(); a.close()
    for fam, addr in ((socket.AF_INET, ("127.0.0.1", 47813)), (socket.AF_INET6, ("::1", 47813))):
        c = socket.socket(fam)
        try: c.connect(addr)
        except OSError: pass
        c.close()
        u = socket.socket(fam, socket.SOCK_DGRAM); u.sendto(b"probe", addr); time.sleep(0.05); u.close()
    subprocess.run(["ping","-c1","-W1","127.0.0.1"], capture_output=True)
    subprocess.run(["ping","-6","-c1","-W1","::1"], capture_output=True)
run()
