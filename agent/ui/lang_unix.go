//go:build !windows

package ui

import "os"

func detectLang() Lang { return langFromEnv(os.Getenv) }
