// Package receivertest runs real notification receivers for tests: an HTTP webhook receiver that
// checks signatures and records what it got, and an SMTP server that requires STARTTLS (a
// self-signed certificate made at start) and PLAIN authentication. Only tests import it.
package receivertest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/ferry-dev/ferry/notify"
)

// Hook is a webhook receiver.
type Hook struct {
	*httptest.Server
	Secret []byte

	mu sync.Mutex
	// Mode is how it answers: "" (204), "500", or "hang" (never answers until closed).
	mode    string
	got     []Received
	release chan struct{}
}

// Received is one request a receiver took.
type Received struct {
	EventID  string
	Event    string
	Address  string
	Body     []byte
	SignedOK bool
	TLS      bool // SMTP: the message came over STARTTLS
	User     string
}

// NewHook starts a webhook receiver that checks X-Ferry-Signature against secret.
func NewHook(secret string) *Hook {
	h := &Hook{Secret: []byte(secret), release: make(chan struct{})}
	h.Server = httptest.NewServer(http.HandlerFunc(h.serve))
	return h
}

// SetMode changes how the receiver answers from now on: "", "500" or "hang".
func (h *Hook) SetMode(m string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.mode = m
}

// Close stops the receiver, releasing requests that hang.
func (h *Hook) Close() {
	close(h.release)
	h.Server.CloseClientConnections()
	h.Server.Close()
}

func (h *Hook) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	h.mu.Lock()
	mode := h.mode
	h.mu.Unlock()
	switch mode {
	case "500":
		http.Error(w, "receiver down", http.StatusInternalServerError)
		return
	case "hang":
		select {
		case <-h.release:
		case <-r.Context().Done():
		}
		return
	}
	var e notify.Event
	_ = json.Unmarshal(body, &e)
	rec := Received{EventID: e.ID, Event: e.Event, Address: e.Address, Body: body,
		SignedOK: r.Header.Get("X-Ferry-Signature") == notify.Signature(h.Secret, body)}
	h.mu.Lock()
	h.got = append(h.got, rec)
	h.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// Got returns what the receiver took so far.
func (h *Hook) Got() []Received {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Received(nil), h.got...)
}

// SMTP is an SMTP server that requires STARTTLS before AUTH PLAIN.
type SMTP struct {
	Addr string
	// CAPEM is the PEM certificate the server presents (self-signed: trust it as a CA).
	CAPEM      []byte
	User, Pass string

	srv *smtp.Server
	mu  sync.Mutex
	got []Received
}

// NewSMTP starts the server on a loopback port; user and pass are the credentials it accepts.
func NewSMTP(user, pass string) (*SMTP, error) {
	cert, certPEM, err := selfSigned()
	if err != nil {
		return nil, err
	}
	s := &SMTP{CAPEM: certPEM, User: user, Pass: pass}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &session{s: s, c: c}, nil }))
	srv.Domain = "localhost"
	srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	srv.AllowInsecureAuth = false
	srv.ErrorLog = log.New(io.Discard, "", 0) // a client killed in mid-session is what some tests do
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.Addr, s.srv = l.Addr().String(), srv
	go func() { _ = srv.Serve(l) }()
	return s, nil
}

// Close stops the server.
func (s *SMTP) Close() { _ = s.srv.Close() }

// Got returns the messages received so far.
func (s *SMTP) Got() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.got...)
}

type session struct {
	s    *SMTP
	c    *smtp.Conn
	user string
}

func (ss *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (ss *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != ss.s.User || pass != ss.s.Pass {
			return errors.New("invalid credentials")
		}
		ss.user = user
		return nil
	}), nil
}

func (ss *session) Mail(string, *smtp.MailOptions) error {
	if ss.s.User != "" && ss.user == "" {
		return &smtp.SMTPError{Code: 530, Message: "authentication required"}
	}
	return nil
}
func (ss *session) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (ss *session) Reset()                               {}
func (ss *session) Logout() error                        { return nil }

func (ss *session) Data(r io.Reader) error {
	data, err := io.ReadAll(io.LimitReader(r, 1<<20))
	if err != nil {
		return err
	}
	_, isTLS := ss.c.TLSConnectionState()
	rec := Received{Body: data, TLS: isTLS, User: ss.user}
	rec.EventID, rec.Event = header(data, "X-Ferry-Event-Id"), header(data, "X-Ferry-Event")
	ss.s.mu.Lock()
	ss.s.got = append(ss.s.got, rec)
	ss.s.mu.Unlock()
	return nil
}

// header returns the value of a header line of a raw message.
func header(msg []byte, name string) string {
	for _, line := range splitLines(msg) {
		if line == "" {
			break
		}
		if len(line) > len(name)+1 && equalFold(line[:len(name)+1], name+":") {
			return trim(line[len(name)+1:])
		}
	}
	return ""
}

func splitLines(b []byte) []string {
	var out []string
	start := 0
	for i := 0; i < len(b); i++ {
		if b[i] == '\n' {
			line := string(b[start:i])
			if len(line) > 0 && line[len(line)-1] == '\r' {
				line = line[:len(line)-1]
			}
			out = append(out, line)
			start = i + 1
		}
	}
	return out
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

func trim(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	return s
}

// selfSigned makes a certificate for 127.0.0.1 and localhost, valid for a day.
func selfSigned() (tls.Certificate, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ferry test SMTP"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, BasicConstraintsValid: true, IsCA: true,
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	return cert, certPEM, err
}
