package agent

import (
	"context"
	"errors"
	"testing"
)

func TestWithHelperRetries(t *testing.T) {
	other := errors.New("site unreachable")
	for _, tc := range []struct {
		name      string
		results   []error // what each helper returns; the last repeats
		wantCalls int
		wantErr   error
	}{
		{"served at once", []error{nil}, 1, nil},
		{"screen on the third helper", []error{ErrHelperNoDisplay, ErrHelperNoDisplay, nil}, 3, nil},
		{"never a screen", []error{ErrHelperNoDisplay}, helperAttempts, ErrHelperNoDisplay},
		{"other failures are not retried", []error{other}, 1, other},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			err := withHelperRetries(t.Context(), func() error {
				r := tc.results[min(calls, len(tc.results)-1)]
				calls++
				return r
			})
			if calls != tc.wantCalls || !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Fatalf("calls %d err %v, want %d %v", calls, err, tc.wantCalls, tc.wantErr)
			}
		})
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	calls := 0
	if err := withHelperRetries(ctx, func() error { calls++; return ErrHelperNoDisplay }); !errors.Is(err, context.Canceled) || calls != 1 {
		t.Fatalf("cancelled: calls %d err %v", calls, err)
	}
}
