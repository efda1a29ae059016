package ui

import (
	"context"
	"time"
)

// Prompter adapts a Window to the agent's Prompter interface
// (SecurityCode and Confirm with a plain question), so the window can
// replace the terminal or dialog prompts without other changes.
type Prompter struct {
	Window Window
	// Timeout, when set, answers consent questions with Deny after this
	// long (the agent's questions have no timeout of their own).
	Timeout time.Duration
}

// SecurityCode asks for the code inside the window; note explains a
// previous failure.
func (p Prompter) SecurityCode(ctx context.Context, note string) (string, error) {
	return p.Window.AskSecurityCode(ctx, note)
}

// Confirm asks a yes/no question with Allow and Deny.
func (p Prompter) Confirm(ctx context.Context, question string) (bool, error) {
	return p.Window.Confirm(ctx, Question{Text: question, Timeout: p.Timeout})
}
