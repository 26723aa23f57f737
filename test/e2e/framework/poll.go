package framework

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// permanentError stops Poll early.
type permanentError struct{ err error }

func (p permanentError) Error() string { return p.err.Error() }
func (p permanentError) Unwrap() error { return p.err }

// Permanent wraps err so that Poll returns it at once instead of retrying.
func Permanent(err error) error { return permanentError{err} }

// Poll calls cond every interval until it returns nil, returns a Permanent
// error, or timeout elapses; then it returns the last error.
func Poll(ctx context.Context, timeout, interval time.Duration, cond func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		err := cond(ctx)
		if err == nil {
			return nil
		}
		var perm permanentError
		if errors.As(err, &perm) {
			return perm.err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("gave up after %s: %w", timeout, err)
		case <-time.After(interval):
		}
	}
}
