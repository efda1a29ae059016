package agent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"

	"github.com/tetherhq/tether/embedcfg"
	"github.com/tetherhq/tether/internal/macapp"
	"github.com/tetherhq/tether/wire"
)

// ErrDamaged is the refusal for a download that was edited — its program or
// its config — or whose config another site signed.
var ErrDamaged = errors.New("This support app has been modified and cannot be trusted. Download it again from your technician's link.")

// ErrNoSession means the binary carries no session and none was given.
var ErrNoSession = errors.New("This program carries no support session. Run the support app downloaded from your technician's link, or pass --site and --code.")

// EmbeddedConfig reads the signed config of the executable at path and
// checks that the signature covers the whole file (embedcfg.Parse). On
// macOS, where bytes appended to a signed binary break it, the config is a
// file beside the app or the installed agent (internal/macapp).
func EmbeddedConfig(path string) (*embedcfg.Config, []byte, error) {
	return embeddedConfig(path, runtime.GOOS)
}

func embeddedConfig(path, goos string) (*embedcfg.Config, []byte, error) {
	cfg, rec, err := embedcfg.ReadFile(path)
	if errors.Is(err, embedcfg.ErrNotFound) && goos == "darwin" {
		cfg, rec, _, err = macapp.ReadConfig(path)
		if errors.Is(err, macapp.ErrNotFound) && macapp.BundlePath(path) == "" {
			// A plain agent without a config: as on other systems.
			err = embedcfg.ErrNotFound
		}
	}
	switch {
	case errors.Is(err, embedcfg.ErrTampered), errors.Is(err, embedcfg.ErrForeignKey):
		return nil, nil, fmt.Errorf("%w (%w)", ErrDamaged, err)
	case errors.Is(err, embedcfg.ErrNotFound):
		return nil, nil, ErrNoSession
	case err != nil:
		return nil, nil, err
	}
	return cfg, rec, nil
}

// fetchConfig asks the site for a session's signed config by code, for
// `tether support --site URL --code CODE`.
func fetchConfig(ctx context.Context, site, pin, code string) (*embedcfg.Config, []byte, error) {
	norm, ok := wire.NormalizeSessionCode(code)
	if !ok {
		return nil, nil, wire.Err(wire.SessionInvalid)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(site, "/")+"/agent/v1/config/"+norm, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("bad site URL: %w", err)
	}
	res, err := HTTPClient(pin).Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("reach site: %w", err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return nil, nil, fmt.Errorf("read config: %w", err)
	}
	if res.StatusCode != http.StatusOK {
		if code := wire.CodeOf(decodeErrorBody(body)); code != "" {
			return nil, nil, wire.Err(code)
		}
		return nil, nil, fmt.Errorf("site answered %s", res.Status)
	}
	// A bare record: the program running it is not a download of the site.
	cfg, rec, err := embedcfg.ParseRecord(body)
	if err != nil {
		return nil, nil, fmt.Errorf("site config: %w", err)
	}
	return cfg, rec, nil
}
