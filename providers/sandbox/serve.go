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

// Serve serves the world on listen (e.g. "127.0.0.1:8080", ":0") until ctx is done, then shuts
// down gracefully. Once listening it prints to out where, and the export line that points ferry
// at it.
func Serve(ctx context.Context, w *World, table providers.Table, listen string, out io.Writer) error {
	srv, err := New(w, table)
	if err != nil {
		return err
	}
	if listen == "" {
		listen = DefaultListen
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", listen)
	if err != nil {
		return fmt.Errorf("sandbox: listening on %s: %w", listen, err)
	}
	url := "http://" + displayAddr(ln.Addr())
	if _, err := fmt.Fprintf(out, "ferry sandbox listening on %s\nexport FERRY_SANDBOX=%s\n", url, url); err != nil {
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
