package input

import "github.com/tetherhq/tether/internal/winapi"

func isLocalSystemForTest() (bool, error) { return winapi.IsLocalSystem() }
