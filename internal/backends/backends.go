// Package backends is the registry that capture and input share: per-OS
// files register their implementations from init(), and Open picks the one
// forced by name or the best one that works, logging each fallback.
package backends

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
)

// Registry holds the backends of one kind (T is what they open, C their
// configuration). The zero value is not usable; set Kind and Unsupported.
type Registry[T, C any] struct {
	Kind        string // "capture", "input": prefix of errors and logs
	Unsupported error  // wrapped when nothing can open

	mu   sync.Mutex
	list []entry[T, C]
}

type entry[T, C any] struct {
	name     string
	priority int // higher is tried first
	open     func(C) (T, error)
}

// Register adds a backend.
func (r *Registry[T, C]) Register(name string, priority int, open func(C) (T, error)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.list = append(r.list, entry[T, C]{name, priority, open})
	slices.SortStableFunc(r.list, func(a, b entry[T, C]) int { return cmp.Compare(b.priority, a.priority) })
}

// Names returns the registered backends, best first.
func (r *Registry[T, C]) Names() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	names := make([]string, len(r.list))
	for i, e := range r.list {
		names[i] = e.name
	}
	return names
}

// Open opens the backend named forced, or else the best one that opens.
// A forced backend never falls back.
func (r *Registry[T, C]) Open(forced string, cfg C, log *slog.Logger) (T, error) {
	var zero T
	r.mu.Lock()
	list := slices.Clone(r.list)
	r.mu.Unlock()
	if forced != "" {
		i := slices.IndexFunc(list, func(e entry[T, C]) bool { return e.name == forced })
		if i < 0 {
			return zero, fmt.Errorf("%s: unknown backend %q (available: %v): %w", r.Kind, forced, r.Names(), r.Unsupported)
		}
		v, err := list[i].open(cfg)
		if err != nil {
			return zero, fmt.Errorf("%s: backend %s: %w", r.Kind, forced, err)
		}
		log.Info(r.Kind+" backend selected", "backend", forced, "forced", true)
		return v, nil
	}
	errs := []error{r.Unsupported}
	for _, e := range list {
		v, err := e.open(cfg)
		if err == nil {
			log.Info(r.Kind+" backend selected", "backend", e.name)
			return v, nil
		}
		log.Warn(r.Kind+" backend unavailable, trying the next", "backend", e.name, "err", err)
		errs = append(errs, fmt.Errorf("%s: %w", e.name, err))
	}
	if len(errs) == 1 {
		return zero, r.Unsupported
	}
	return zero, fmt.Errorf("%s: no usable backend: %w", r.Kind, errors.Join(errs...))
}

// Config is what capture and input backends open with.
type Config struct {
	Backend string // forced backend; "" = automatic
	Display string // X11 display name; "" = $DISPLAY
	// XAuthority is the X11 authority file; "" = $XAUTHORITY or
	// ~/.Xauthority.
	XAuthority string
	Logger     *slog.Logger
}

// Option configures a Config.
type Option func(*Config)

// WithBackend forces one backend by name.
func WithBackend(name string) Option { return func(c *Config) { c.Backend = name } }

// WithX11Display selects the X11 display instead of $DISPLAY.
func WithX11Display(name string) Option { return func(c *Config) { c.Display = name } }

// WithXAuthority selects the X11 authority file (the cookie of a session
// found without $XAUTHORITY).
func WithXAuthority(path string) Option { return func(c *Config) { c.XAuthority = path } }

// WithLogger sets the logger (nil keeps slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(c *Config) { c.Logger = l } }

// NewConfig applies opts over the defaults: the backend named in the
// environment variable env, and slog.Default().
func NewConfig(env string, opts []Option) *Config {
	c := &Config{Backend: os.Getenv(env), Logger: slog.Default()}
	for _, o := range opts {
		o(c)
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}
