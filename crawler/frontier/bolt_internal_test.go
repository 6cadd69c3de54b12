package frontier

import (
	"context"
	"errors"
	"testing"
)

// TestWaitHonoursContext: a caller waiting for a write's durability gives up with its
// context (the write stays ordered and is still written by the writer).
func TestWaitHonoursContext(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := wait(ctx, make(chan error, 1)); !errors.Is(err, context.Canceled) {
		t.Errorf("wait with a canceled context and a pending write = %v, want context.Canceled", err)
	}
	done := make(chan error, 1)
	done <- nil
	if err := wait(t.Context(), done); err != nil {
		t.Errorf("wait for a finished write = %v", err)
	}
}
