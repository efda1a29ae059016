package cluster

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/nats-io/nats.go"
)

// Auth is how a node proves itself to NATS, and NATS to the node. It comes
// from the environment (AuthFromEnv), never from the command line, where
// `ps` would show it to every user of the machine.
type Auth struct {
	CredsFile string // a NATS .creds file (JWT and nkey seed): TETHER_CLUSTER_CREDS
	NKeyFile  string // an nkey seed file: TETHER_CLUSTER_NKEY
	User      string // TETHER_CLUSTER_USER with TETHER_CLUSTER_PASSWORD
	Password  string
	Token     string // TETHER_CLUSTER_TOKEN
	CAFile    string // CA of the NATS servers' certificates: TETHER_CLUSTER_CA
	CertFile  string // a client certificate and key (mutual TLS):
	KeyFile   string // TETHER_CLUSTER_CERT, TETHER_CLUSTER_KEY
}

// AuthFromEnv reads Auth from the TETHER_CLUSTER_* variables.
func AuthFromEnv(getenv func(string) string) Auth {
	return Auth{
		CredsFile: getenv("TETHER_CLUSTER_CREDS"), NKeyFile: getenv("TETHER_CLUSTER_NKEY"),
		User: getenv("TETHER_CLUSTER_USER"), Password: getenv("TETHER_CLUSTER_PASSWORD"),
		Token: getenv("TETHER_CLUSTER_TOKEN"), CAFile: getenv("TETHER_CLUSTER_CA"),
		CertFile: getenv("TETHER_CLUSTER_CERT"), KeyFile: getenv("TETHER_CLUSTER_KEY"),
	}
}

// options turns Auth into nats.go options.
func (a Auth) options() ([]nats.Option, error) {
	var opts []nats.Option
	n := 0
	if a.CredsFile != "" {
		opts = append(opts, nats.UserCredentials(a.CredsFile))
		n++
	}
	if a.NKeyFile != "" {
		o, err := nats.NkeyOptionFromSeed(a.NKeyFile)
		if err != nil {
			return nil, fmt.Errorf("cluster: TETHER_CLUSTER_NKEY: %w", err)
		}
		opts = append(opts, o)
		n++
	}
	if a.User != "" || a.Password != "" {
		opts = append(opts, nats.UserInfo(a.User, a.Password))
		n++
	}
	if a.Token != "" {
		opts = append(opts, nats.Token(a.Token))
		n++
	}
	if n > 1 {
		return nil, errors.New("cluster: set one of TETHER_CLUSTER_CREDS, TETHER_CLUSTER_NKEY, TETHER_CLUSTER_USER/PASSWORD, TETHER_CLUSTER_TOKEN")
	}
	if a.CAFile != "" {
		opts = append(opts, nats.RootCAs(a.CAFile))
	}
	if (a.CertFile == "") != (a.KeyFile == "") {
		return nil, errors.New("cluster: TETHER_CLUSTER_CERT and TETHER_CLUSTER_KEY go together")
	}
	if a.CertFile != "" {
		opts = append(opts, nats.ClientCert(a.CertFile, a.KeyFile))
	}
	return opts, nil
}

// CheckURL accepts NATS server URLs (comma-separated, nats:// or tls://)
// without credentials in them: a password in --cluster would be visible in
// `ps` and in logs.
func CheckURL(raw string) error {
	for _, s := range strings.Split(raw, ",") {
		u, err := url.Parse(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("cluster URL %q: %w", s, err)
		}
		switch {
		case u.Scheme != "nats" && u.Scheme != "tls":
			return fmt.Errorf("cluster URL %q: want nats://HOST:PORT or tls://HOST:PORT", s)
		case u.Host == "":
			return fmt.Errorf("cluster URL %q: no host", s)
		case u.User != nil:
			return fmt.Errorf("cluster URL %s://…@%s: no credentials in the URL; use TETHER_CLUSTER_CREDS, TETHER_CLUSTER_NKEY, TETHER_CLUSTER_USER/TETHER_CLUSTER_PASSWORD or TETHER_CLUSTER_TOKEN", u.Scheme, u.Host)
		}
	}
	return nil
}
