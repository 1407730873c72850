package partnercenter

import "time"

// SendLimit is the partner-wide create limit the client paces its migrations to (the documented
// 100 per 5 minutes unless configured otherwise), so apply's progress shows the send rate against
// it; zero when the client does not limit creates.
func (p *Provider) SendLimit() (requests int, per time.Duration) {
	if p.client == nil || p.client.lim == nil || p.client.lim.create == nil {
		return 0, 0
	}
	r := p.client.lim.createRate
	return r.Requests, r.Per
}
