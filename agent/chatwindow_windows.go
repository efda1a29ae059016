package agent

import "golang.org/x/sys/windows/svc"

// canChatWindow reports whether this jump client can show the customer
// window to a logged-in user: a user-mode client can (Win32, agent/ui); a
// service runs in session 0, whose windows no user sees, so it does not
// offer chat (the site answers chat_unavailable).
func canChatWindow() bool {
	isService, err := svc.IsWindowsService()
	return err == nil && !isService
}
