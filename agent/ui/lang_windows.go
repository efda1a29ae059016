package ui

import "golang.org/x/sys/windows"

var procGetUserDefaultUILanguage = windows.NewLazySystemDLL("kernel32.dll").NewProc("GetUserDefaultUILanguage")

// detectLang asks for the user's display language: the locale environment
// variables mean nothing to a double-clicked Windows program.
func detectLang() Lang {
	if procGetUserDefaultUILanguage.Find() != nil {
		return English
	}
	id, _, _ := procGetUserDefaultUILanguage.Call()
	return langFromLangID(uint16(id))
}

// langFromLangID maps a Windows LANGID by its primary language (the low
// ten bits).
func langFromLangID(id uint16) Lang {
	switch id & 0x3ff {
	case 0x07: // LANG_GERMAN
		return German
	}
	return English
}
