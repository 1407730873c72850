package providers

import (
	"context"
	"errors"
)

// ErrNotSent marks a mutating request given up before it was sent, because the run is stopping (an
// interrupt arrived while the request waited for a rate limit or a retry). Nothing reached the remote
// system; the step's intent is reconciled by its key on the next apply, finds nothing, and is sent then.
var ErrNotSent = errors.New("not sent: the run is stopping")

type sendStopKey struct{}

// WithSendStop returns ctx carrying stop. A mutating call runs under ctx (so a request already sent
// is allowed to finish and be journaled), but any wait before its request is sent — client-side
// pacing, a back-off after a definite refusal such as 429 — ends when stop is done, with ErrNotSent.
func WithSendStop(ctx, stop context.Context) context.Context {
	return context.WithValue(ctx, sendStopKey{}, stop)
}

// SendStopped reports whether the run that made ctx is stopping (see WithSendStop).
func SendStopped(ctx context.Context) bool {
	stop, _ := ctx.Value(sendStopKey{}).(context.Context)
	return stop != nil && stop.Err() != nil
}

// PreSendContext returns the context for a wait before a request is sent: ctx, also cancelled when
// the run stops (see WithSendStop). Call cancel when the wait is over.
func PreSendContext(ctx context.Context) (context.Context, context.CancelFunc) {
	stop, _ := ctx.Value(sendStopKey{}).(context.Context)
	wctx, cancel := context.WithCancel(ctx)
	if stop == nil {
		return wctx, cancel
	}
	undo := context.AfterFunc(stop, cancel)
	return wctx, func() { undo(); cancel() }
}
