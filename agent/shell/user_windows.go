package shell

import (
	"errors"
	"fmt"
)

// LookupUser is not supported on Windows: a shell for another account
// would need that user's logon token (CreateProcessAsUser), which the
// agent does not hold.
func LookupUser(name string) (*User, error) {
	return nil, fmt.Errorf("shell: run as %s: %w", name, errors.ErrUnsupported)
}
