package runonce_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/darkwatch/darkwatch/internal/runonce"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// startRun starts a Run method over g in a goroutine: the Run blocks until its context
// ends. startRun returns once Start has returned, with the channel that is sent to when the
// Run returns (just before it calls done) and Start's error.
func startRun(ctx context.Context, g *runonce.Guard) (<-chan struct{}, error) {
	started := make(chan error, 1)
	returned := make(chan struct{}, 1)
	go func() {
		ctx, done, err := g.Start(ctx)
		started <- err
		if err != nil {
			return
		}
		defer done()
		<-ctx.Done()
		returned <- struct{}{}
	}()
	return returned, <-started
}

func TestGuard(t *testing.T) {
	for _, tc := range []struct {
		name string
		// steps, in order: "run" starts a Run, "close" calls Stop and checks every started
		// Run has returned, "cancel" cancels the Runs' parent context and waits for them.
		steps []string
		want  []error // Start's error for each "run"
	}{
		{name: "close stops a running Run", steps: []string{"run", "close"}, want: []error{nil}},
		{name: "cancel ends a Run, close after", steps: []string{"run", "cancel", "close"}, want: []error{nil}},
		{name: "run after close", steps: []string{"close", "run"}, want: []error{runonce.ErrClosed}},
		{name: "run twice", steps: []string{"run", "run", "close"}, want: []error{nil, runonce.ErrStarted}},
		{name: "run again after its Run ended", steps: []string{"run", "cancel", "run", "close"}, want: []error{nil, runonce.ErrStarted}},
		{name: "close twice", steps: []string{"run", "close", "close", "run"}, want: []error{nil, runonce.ErrClosed}},
		{name: "close without run", steps: []string{"close", "close"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var g runonce.Guard
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			var got []error
			var running []<-chan struct{}
			for _, step := range tc.steps {
				switch step {
				case "run":
					returned, err := startRun(ctx, &g)
					got = append(got, err)
					if err == nil {
						running = append(running, returned)
					}
				case "close":
					stopped := make(chan struct{})
					go func() { g.Stop(); close(stopped) }()
					select {
					case <-stopped:
					case <-time.After(10 * time.Second):
						t.Fatal("Stop had not returned after 10s")
					}
					for i, returned := range running {
						select {
						case <-returned:
						default:
							t.Fatalf("Run %d had not returned when Stop returned", i)
						}
					}
					running = nil
				case "cancel":
					cancel()
					for i, returned := range running {
						select {
						case <-returned:
						case <-time.After(10 * time.Second):
							t.Fatalf("Run %d had not returned 10s after its parent context ended", i)
						}
					}
					running = nil
				}
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got Start errors %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("Start %d = %v, want %v", i, got[i], tc.want[i])
				}
			}
		})
	}
}

// TestGuardStartStopRace: Start and Stop called at once either start a Run that Stop then
// waits for, or fail Start with ErrClosed.
func TestGuardStartStopRace(t *testing.T) {
	for range 200 {
		var g runonce.Guard
		stopped := make(chan struct{})
		go func() {
			g.Stop()
			close(stopped)
		}()
		returned, err := startRun(t.Context(), &g)
		<-stopped
		switch {
		case err == nil:
			select {
			case <-returned:
			default:
				t.Fatal("Start succeeded but Stop returned before the Run did")
			}
		case !errors.Is(err, runonce.ErrClosed):
			t.Fatalf("Start = %v, want nil or ErrClosed", err)
		}
	}
}
