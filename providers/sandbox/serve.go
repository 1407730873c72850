package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/ferry-dev/ferry/providers"
)

// DefaultListen is the address Serve listens on when given none.
const DefaultListen = "127.0.0.1:0"

// Serve serves the world on listen (e.g. "127.0.0.1:8080", "localhost:0") until ctx is done, then
// shuts down gracefully. Once listening it prints to out where, and the export line that points
// ferry at it. The sandbox has no authentication and lets anyone change its faults and read its
// world, so an address that is not loopback (":0", "0.0.0.0:8080", a LAN address) is refused
// unless allowRemote.
func Serve(ctx context.Context, w *World, table providers.Table, listen string, allowRemote bool, out io.Writer) error {
	if listen == "" {
		listen = DefaultListen
	}
	if err := CheckListen(listen, allowRemote); err != nil {
		return err
	}
	srv, err := New(w, table)
	if err != nil {
		return err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", listen)
	if err != nil {
		return fmt.Errorf("sandbox: listening on %s: %w", listen, err)
	}
	real, dial := ln.Addr().String(), "http://"+displayAddr(ln.Addr())
	msg := fmt.Sprintf("ferry sandbox listening on %s\nexport FERRY_SANDBOX=%s\n", dial, dial)
	if !isLoopback(ln.Addr()) {
		msg = fmt.Sprintf("ferry sandbox listening on %s (reachable from other machines: no authentication)\nexport FERRY_SANDBOX=%s\n", real, dial)
	}
	if _, err := io.WriteString(out, msg); err != nil {
		ln.Close()
		return fmt.Errorf("sandbox: writing the address: %w", err)
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("sandbox: serving: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("sandbox: shutting down: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("sandbox: serving: %w", err)
	}
	return nil
}

// displayAddr returns host:port a client can dial: an unspecified host (":0", "0.0.0.0") becomes
// 127.0.0.1.
func displayAddr(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// CheckListen refuses a listen address that is not loopback (127.0.0.0/8, ::1, localhost) unless
// allowRemote: an empty or unspecified host listens on every interface.
func CheckListen(listen string, allowRemote bool) error {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return fmt.Errorf("sandbox: --listen %q: want host:port, e.g. 127.0.0.1:8787", listen)
	}
	if allowRemote || loopbackHost(host) {
		return nil
	}
	where := "host " + host
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		where = "every interface"
	}
	return fmt.Errorf("sandbox: --listen %s would listen on %s, reachable from other machines; the sandbox has no "+
		"authentication and anyone could change its faults (POST /_sandbox/faults): listen on 127.0.0.1 "+
		"(e.g. --listen 127.0.0.1:%s), or add --allow-remote if that is what you want", listen, where, portOf(listen))
}

func loopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func isLoopback(a net.Addr) bool {
	host, _, err := net.SplitHostPort(a.String())
	return err == nil && loopbackHost(host)
}

func portOf(listen string) string {
	_, port, _ := net.SplitHostPort(listen)
	return port
}
