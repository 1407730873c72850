package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/ferry-dev/ferry/providers"
	"github.com/wneessen/go-mail"
)

// Signature is the X-Ferry-Signature value of body under secret: "sha256=" and the hex HMAC-SHA256.
func Signature(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// CheckWebhookURL reports what is wrong with a webhook URL: it must be https://, or http:// to a
// loopback address (a local stand-in), with a host and no user information.
func CheckWebhookURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("not a URL: %v", err)
	}
	if u.Host == "" {
		return errors.New("no host: want e.g. https://hooks.example.com/ferry")
	}
	if u.User != nil {
		return errors.New("no credentials in the URL: sign requests with secret_env instead")
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if isLoopback(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("http:// only to a loopback address (127.0.0.1, ::1, localhost); %s would travel in clear: use https://", u.Hostname())
	}
	return fmt.Errorf("scheme %q: want https:// (or http:// to a loopback address)", u.Scheme)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// webhookSender posts events as JSON.
type webhookSender struct {
	client *http.Client
	w      *Webhook
	secret []byte
}

func newWebhookSender(w *Webhook, getenv func(string) string) *webhookSender {
	s := &webhookSender{w: w, client: &http.Client{
		// A webhook is never followed elsewhere: a redirect could carry the signed body to another host.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
	if w.SecretEnv != "" {
		s.secret = []byte(getenv(w.SecretEnv))
	}
	return s
}

// send posts e once; ctx bounds the attempt.
func (s *webhookSender) send(ctx context.Context, e Event) error {
	if err := CheckWebhookURL(s.w.URL); err != nil {
		return err
	}
	if s.w.SecretEnv != "" && len(s.secret) == 0 {
		// Signing was asked for: an unsigned request would be refused by a receiver that checks the
		// signature, or accepted by one that does not, without anyone noticing the missing key.
		return fmt.Errorf("secret_env names %s, which is not set or empty: the event is not sent unsigned and stays in the outbox", s.w.SecretEnv)
	}
	body, err := e.Body()
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.w.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "ferry")
	req.Header.Set("X-Ferry-Event", e.Event)
	req.Header.Set("X-Ferry-Event-Id", e.ID)
	if len(s.secret) > 0 {
		req.Header.Set("X-Ferry-Signature", Signature(s.secret, body))
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("POST %s: %w", redactURL(s.w.URL), unwrapURLError(err))
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 == 3 {
		// Not followed: the signed body could be carried to another host. Say so, so that a moved
		// receiver is fixed in the spec rather than puzzled over.
		return fmt.Errorf("POST %s: the receiver answered %s; redirects are not followed: set the webhook's url to where it points",
			redactURL(s.w.URL), resp.Status)
	}
	if resp.StatusCode/100 != 2 {
		err := fmt.Errorf("POST %s: the receiver answered %s", redactURL(s.w.URL), resp.Status)
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
			if wait := providers.RetryAfter(resp.Header.Get("Retry-After"), time.Now(), maxRetryAfter); wait > 0 {
				return &retryAfterError{err: err, wait: wait}
			}
		}
		return err
	}
	return nil
}

// maxRetryAfter bounds the wait a receiver's Retry-After asks for.
const maxRetryAfter = 5 * time.Minute

// retryAfterError is a refusal (429 or 503) whose Retry-After asks the next attempt to wait.
type retryAfterError struct {
	err  error
	wait time.Duration
}

func (e *retryAfterError) Error() string { return fmt.Sprintf("%v (Retry-After: %s)", e.err, e.wait) }
func (e *retryAfterError) Unwrap() error { return e.err }

// redactURL drops the query of a URL (it may carry a token) from error messages.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(webhook URL)"
	}
	if u.RawQuery != "" {
		u.RawQuery = "…"
	}
	return u.String()
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// emailSender sends events as plain-text mail through SMTP with STARTTLS required.
type emailSender struct {
	e        *Email
	username string
	password string
	roots    *x509.CertPool
}

func newEmailSender(e *Email, getenv func(string) string) (*emailSender, error) {
	s := &emailSender{e: e, username: getenv(EnvSMTPUsername), password: getenv(EnvSMTPPassword)}
	if f := getenv(EnvSMTPCAFile); f != "" {
		pem, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", EnvSMTPCAFile, err)
		}
		s.roots = x509.NewCertPool()
		if !s.roots.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s: %s holds no PEM certificate", EnvSMTPCAFile, f)
		}
	}
	return s, nil
}

// EnvSMTPCAFile names a PEM file of the certificate authorities that sign the SMTP server's
// certificate, when they are not the system's (a private relay, a test server).
const EnvSMTPCAFile = "FERRY_SMTP_CA_FILE"

// send mails e once; ctx bounds the attempt. The Message-ID is derived from the event ID, so a
// mail sent again after a crash is recognisable as the same.
func (s *emailSender) send(ctx context.Context, e Event) error {
	host, portText, err := net.SplitHostPort(s.e.SMTP)
	if err != nil {
		return fmt.Errorf("smtp %q: want host:port: %w", s.e.SMTP, err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return fmt.Errorf("smtp %q: bad port", s.e.SMTP)
	}
	m := mail.NewMsg()
	if err := m.From(s.e.From); err != nil {
		return fmt.Errorf("email from: %w", err)
	}
	if err := m.To(s.e.To...); err != nil {
		return fmt.Errorf("email to: %w", err)
	}
	m.Subject(subject(e))
	m.SetMessageIDWithValue(e.ID + "@ferry")
	m.SetGenHeader("X-Ferry-Event", e.Event)
	m.SetGenHeader("X-Ferry-Event-Id", e.ID)
	m.SetDate()
	body, err := e.Body()
	if err != nil {
		return err
	}
	m.SetBodyString(mail.TypeTextPlain, e.Message+"\n\n"+string(body)+"\n")
	tc := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12, RootCAs: s.roots}
	opts := []mail.Option{mail.WithPort(port), mail.WithTLSPolicy(mail.TLSMandatory), mail.WithTLSConfig(tc)}
	if dl, ok := ctx.Deadline(); ok {
		// go-mail bounds each SMTP command by its own timeout (15 s by default), not by ctx: a relay
		// that answers slowly or not at all after the greeting would hold the attempt past the
		// block's timeout. Every deadline on the connection is clamped to ctx's.
		opts = append(opts, mail.WithTimeout(max(time.Until(dl), time.Millisecond)), mail.WithDialContextFunc(dialUntil(dl)))
	}
	if s.username != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover), mail.WithUsername(s.username), mail.WithPassword(s.password))
	}
	c, err := mail.NewClient(host, opts...)
	if err != nil {
		return fmt.Errorf("smtp %s: %w", s.e.SMTP, err)
	}
	if err := c.DialAndSendWithContext(ctx, m); err != nil {
		return fmt.Errorf("smtp %s: %w", s.e.SMTP, err)
	}
	return nil
}

func subject(e Event) string {
	s := "[ferry] " + e.Event
	if e.Address != "" {
		s += ": " + e.Address
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

// dialUntil dials TCP connections whose every read and write ends by dl, whatever deadline their
// user sets.
func dialUntil(dl time.Time) mail.DialContextFunc {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		if err := c.SetDeadline(dl); err != nil {
			c.Close()
			return nil, err
		}
		return deadlineConn{Conn: c, dl: dl}, nil
	}
}

// deadlineConn is a connection whose deadlines are never later than dl.
type deadlineConn struct {
	net.Conn
	dl time.Time
}

func (c deadlineConn) clamp(t time.Time) time.Time {
	if t.IsZero() || t.After(c.dl) {
		return c.dl
	}
	return t
}

func (c deadlineConn) SetDeadline(t time.Time) error      { return c.Conn.SetDeadline(c.clamp(t)) }
func (c deadlineConn) SetReadDeadline(t time.Time) error  { return c.Conn.SetReadDeadline(c.clamp(t)) }
func (c deadlineConn) SetWriteDeadline(t time.Time) error { return c.Conn.SetWriteDeadline(c.clamp(t)) }
