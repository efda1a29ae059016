package site

import (
	"cmp"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/smtp"
	"strings"
	"time"

	"github.com/tetherhq/tether/site/store"
	"github.com/tetherhq/tether/wire"
)

type mailer struct{ o SMTPOptions }

func newMailer(o SMTPOptions) *mailer { return &mailer{o: o} }

func (m *mailer) enabled() bool { return m.o.Addr != "" && m.o.From != "" }

// send delivers one plain-text message. STARTTLS is used when offered; auth
// is only sent over TLS or to a loopback server (net/smtp enforces that).
func (m *mailer) send(ctx context.Context, to, subject, body string) error {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", m.o.Addr)
	if err != nil {
		return fmt.Errorf("smtp dial: %w", err)
	}
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	host, _, _ := net.SplitHostPort(m.o.Addr)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("smtp: %w", err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok {
		if err := c.StartTLS(&tls.Config{ServerName: host, InsecureSkipVerify: m.o.InsecureSkipVerify}); err != nil {
			return fmt.Errorf("smtp starttls: %w", err)
		}
	}
	if m.o.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", m.o.Username, m.o.Password, host)); err != nil {
			return fmt.Errorf("smtp auth: %w", err)
		}
	}
	if err := c.Mail(m.o.From); err != nil {
		return fmt.Errorf("smtp from: %w", err)
	}
	if err := c.Rcpt(to); err != nil {
		return fmt.Errorf("smtp rcpt: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("smtp data: %w", err)
	}
	msg := "From: " + m.o.From + "\r\nTo: " + to + "\r\nSubject: " + subject +
		"\r\nDate: " + time.Now().Format(time.RFC1123Z) +
		"\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
		strings.ReplaceAll(body, "\n", "\r\n")
	if _, err := w.Write([]byte(msg)); err != nil {
		return fmt.Errorf("smtp write: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("smtp send: %w", err)
	}
	return c.Quit()
}

// emailLink mails the download link to the customer and records when.
func (s *Server) emailLink(ctx context.Context, ss *store.Session, actor string) (time.Time, error) {
	body := fmt.Sprintf(`Hello %s,

%s has started a remote support session for you.

1. Download the support app: %s
2. Run it and enter the security code your technician gives you.

Session code: %s

The link is valid until %s.
`, cmp.Or(ss.CustomerName, "there"), actor, s.downloadURL(ss.Code), wire.FormatSessionCode(ss.Code),
		ss.ExpiresAt.Format("2006-01-02 15:04 MST"))
	if err := s.mailer.send(ctx, ss.CustomerEmail, "Your remote support session", body); err != nil {
		s.log.Warn("e-mail link", "session", ss.ID, "err", err)
		return time.Time{}, wire.Errorf(wire.Internal, "The e-mail could not be sent: %v", err)
	}
	now := s.clock.Now()
	_, err := s.store.UpdateSession(ctx, ss.ID, func(x *store.Session) error { x.EmailSentAt = now; return nil })
	s.audit(ctx, "email_sent", ss.ID, actor, "", ss.CustomerEmail)
	return now, err
}

// emailInstaller sends an installer's download link to each recipient and
// returns the failures by address (empty when all went out).
func (s *Server) emailInstaller(ctx context.Context, in *store.Installer, url string, to []string, actor string) map[string]string {
	failed := map[string]string{}
	if len(to) > 0 && !s.mailer.enabled() {
		for _, addr := range to {
			failed[addr] = "e-mail is not configured on this site"
		}
		return failed
	}
	body := fmt.Sprintf(`Hello,

%s sent you a Tether Jump Client installer (%s, %s, %s mode).
Install it on the computers that should be reachable for support:

  %s

The link and its key are valid until %s; keep them private.
`, actor, in.Platform, installerFileName(in), in.Mode, url, in.ExpiresAt.UTC().Format("2006-01-02 15:04 MST"))
	for _, addr := range to {
		if err := s.mailer.send(ctx, addr, "Tether Jump Client installer", body); err != nil {
			failed[addr] = err.Error()
			continue
		}
		s.audit(ctx, "installer_emailed", "", actor, "", "installer "+in.ID+" to "+addr)
	}
	return failed
}
