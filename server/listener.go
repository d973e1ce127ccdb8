package server

import (
	"io"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"
)

// refusal is what a connection over its client's limit is told before it
// is closed: a 429 problem document, so the client learns why.
var refusal = func() []byte {
	body := `{"type":"` + problemTooManyConnections + `","title":"Too many connections","status":429,` +
		`"detail":"this address has too many connections open to the server; close some and retry"}`
	return []byte("HTTP/1.1 429 Too Many Requests\r\nContent-Type: " + contentTypeProblem +
		"\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body)
}()

// LimitConnsPerClient returns a listener that accepts from ln at most
// perClient connections open at once from one client IP address; a client
// over it has its new connection answered 429 and closed at once, so no
// one client can hold every connection the server can serve (slow bodies,
// idle keep-alives). Connections from trusted, the reverse proxies that
// forward many clients over their own connections, are not limited. A
// perClient of 0 or less returns ln unchanged. The listener is safe for
// concurrent use, as net.Listener must be.
func LimitConnsPerClient(ln net.Listener, perClient int, trusted []netip.Prefix) net.Listener {
	if perClient <= 0 {
		return ln
	}
	return &clientLimiter{Listener: ln, max: perClient, trusted: trusted, open: map[netip.Addr]int{}}
}

// clientLimiter is LimitConnsPerClient's listener.
type clientLimiter struct {
	net.Listener
	max     int
	trusted []netip.Prefix
	mu      sync.Mutex
	open    map[netip.Addr]int // open connections by client, guarded by mu
}

// Accept returns the next connection whose client is within its limit.
func (l *clientLimiter) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ap, err := netip.ParseAddrPort(c.RemoteAddr().String())
		if err != nil || anyContains(l.trusted, ap.Addr().Unmap()) {
			return c, nil
		}
		addr := ap.Addr().Unmap()
		l.mu.Lock()
		over := l.open[addr] >= l.max
		if !over {
			l.open[addr]++
		}
		l.mu.Unlock()
		if over {
			go refuse(c)
			continue
		}
		return &countedConn{Conn: c, release: func() { l.release(addr) }}, nil
	}
}

// release counts one connection of addr closed.
func (l *clientLimiter) release(addr netip.Addr) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[addr]--; l.open[addr] <= 0 {
		delete(l.open, addr)
	}
}

// refuse answers c with refusal and closes it, within a second. It reads
// what the client sent meanwhile (up to 64 KiB) before closing, since
// closing a socket with unread data resets it, and the client might lose
// the answer.
func refuse(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write(refusal); err != nil {
		return
	}
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(c, 64<<10))
}

// countedConn is a connection counted against its client until closed.
type countedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

// CloseWrite half-closes a TCP connection, as net/http does before
// closing one whose request it did not read whole, so that the client
// gets the answer rather than a reset; without a TCP connection beneath it
// it closes the connection.
func (c *countedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return c.Close()
}

// Close closes the connection and, the first time, releases its count.
func (c *countedConn) Close() error {
	c.once.Do(c.release)
	return c.Conn.Close()
}
