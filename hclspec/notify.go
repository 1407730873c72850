package hclspec

import (
	"fmt"
	"net"
	"net/mail"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/ferry-dev/ferry/notify"
)

// Block names of notify blocks.
const (
	blockNotify  = "notify"
	blockWebhook = "webhook"
	blockEmail   = "email"
)

// notifyBlock is a notify "NAME" { events, webhook { … } | email { … } } block.
type notifyBlock struct {
	Name      string
	Attrs     hcl.Attributes
	Webhook   *nestedBlock
	Email     *nestedBlock
	DeclRange hcl.Range
}

func notifySchema() *hcl.BodySchema {
	return &hcl.BodySchema{Attributes: required("events"), Blocks: []hcl.BlockHeaderSchema{{Type: blockWebhook}, {Type: blockEmail}}}
}

func webhookSchema() *hcl.BodySchema {
	return &hcl.BodySchema{Attributes: append(required("url"), attrs("secret_env", "timeout")...)}
}

func emailSchema() *hcl.BodySchema {
	return &hcl.BodySchema{Attributes: append(required("to", "from", "smtp"), attrs("timeout")...)}
}

// decodeNotify decodes the structure of a notify block: exactly one receiver block.
func (d *decoder) decodeNotify(b *hcl.Block) {
	if !d.checkLabel(b) || !d.unique("notify."+b.Labels[0], "notify block", b.DefRange) {
		return
	}
	content, diags := b.Body.Content(notifySchema())
	d.diags = append(d.diags, diags...)
	nb := &notifyBlock{Name: b.Labels[0], Attrs: content.Attributes, DeclRange: b.DefRange}
	for _, inner := range content.Blocks {
		var schema *hcl.BodySchema
		var slot **nestedBlock
		switch inner.Type {
		case blockWebhook:
			schema, slot = webhookSchema(), &nb.Webhook
		case blockEmail:
			schema, slot = emailSchema(), &nb.Email
		}
		if nb.Webhook != nil || nb.Email != nil {
			d.errorf(rangePtr(inner.DefRange), "Too many receivers",
				"notify %q already has a receiver; give each notify block exactly one webhook or email block (use two notify blocks for two receivers).", nb.Name)
			continue
		}
		c, diags := inner.Body.Content(schema)
		d.diags = append(d.diags, diags...)
		*slot = &nestedBlock{Attrs: c.Attributes, DeclRange: inner.DefRange}
	}
	if nb.Webhook == nil && nb.Email == nil {
		d.errorf(rangePtr(b.DefRange), "Missing receiver",
			"notify %q says where to send nothing: add a webhook { url = … } or an email { to = […], from = …, smtp = … } block.", nb.Name)
		return
	}
	d.mod.notifies = append(d.mod.notifies, nb)
}

// evalNotify evaluates a notify block into a receiver; ok is false when it has errors (reported).
func (l *loader) evalNotify(nb *notifyBlock) (notify.Receiver, bool) {
	r := l.settingsReader(nb.Attrs)
	rc := notify.Receiver{Name: nb.Name}
	n := len(l.diags)
	events, ranges, ok := r.stringList("events", true)
	if ok {
		if len(events) == 0 {
			r.problem(nb.Attrs["events"].Expr.Range(), "No events", fmt.Sprintf("notify %q lists no events; name at least one of: %s.", nb.Name, strings.Join(notify.Kinds(), ", ")))
		}
		for i, e := range events {
			if !notify.KnownKind(e) {
				r.problem(ranges[i], "Unknown event", fmt.Sprintf("%q is not an event ferry sends; want one of: %s.", e, strings.Join(notify.Kinds(), ", ")))
				continue
			}
			rc.Events = append(rc.Events, e)
		}
	}
	switch {
	case nb.Webhook != nil:
		w := r.nested(nb.Webhook.Attrs, "webhook.")
		hook := &notify.Webhook{}
		var rng hcl.Range
		// The URL may come from a sensitive variable: chat webhooks (Slack, Teams) carry their
		// credential in the path. It is never recorded (state, plan file, outbox) and, being
		// sensitive, is redacted from all output.
		u := *w
		u.sensitiveOK = true
		if hook.URL, rng, ok = u.str("url", true); ok {
			if err := notify.CheckWebhookURL(hook.URL); err != nil {
				w.problem(rng, "Invalid webhook URL", err.Error()+".")
			}
		}
		if hook.SecretEnv, rng, ok = w.str("secret_env", false); ok && !envNameRE.MatchString(hook.SecretEnv) {
			w.problem(rng, "Invalid secret_env", fmt.Sprintf("secret_env names the environment variable that holds the signing key (e.g. FERRY_WEBHOOK_SECRET), not the key itself; %q is not a variable name.", hook.SecretEnv))
		}
		hook.Timeout = w.notifyTimeout()
		rc.Webhook = hook
	case nb.Email != nil:
		w := r.nested(nb.Email.Attrs, "email.")
		em := &notify.Email{}
		var rng hcl.Range
		to, toRanges, _ := w.stringList("to", true)
		for i, a := range to {
			if _, err := mail.ParseAddress(a); err != nil {
				w.problem(toRanges[i], "Invalid email address", fmt.Sprintf("%q: %v.", a, err))
				continue
			}
			em.To = append(em.To, a)
		}
		if len(to) == 0 && nb.Email.Attrs["to"] != nil {
			w.problem(nb.Email.Attrs["to"].Expr.Range(), "No recipients", "to lists no address.")
		}
		if em.From, rng, ok = w.str("from", true); ok {
			if _, err := mail.ParseAddress(em.From); err != nil {
				w.problem(rng, "Invalid email address", fmt.Sprintf("%q: %v.", em.From, err))
			}
		}
		if em.SMTP, rng, ok = w.str("smtp", true); ok {
			if host, port, err := net.SplitHostPort(em.SMTP); err != nil || host == "" || port == "" {
				w.problem(rng, "Invalid smtp", fmt.Sprintf("%q: want host:port, e.g. smtp.example.com:587.", em.SMTP))
			}
		}
		em.Timeout = w.notifyTimeout()
		rc.Email = em
	}
	return rc, len(l.diags) == n
}

// notifyTimeout reads the timeout of a receiver block ("10s"); zero when absent or invalid.
func (r *attrReader) notifyTimeout() time.Duration {
	s, rng, ok := r.str("timeout", false)
	if !ok {
		return 0
	}
	v, err := parseTimeout(s)
	if err != nil {
		r.problem(rng, "Invalid timeout", r.prefix+"timeout: "+err.Error()+".")
		return 0
	}
	return v
}
