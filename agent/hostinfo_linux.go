package agent

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"time"
)

func bootTime() time.Time {
	f, err := os.Open("/proc/stat")
	if err != nil {
		return time.Time{}
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "btime "); ok {
			if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
				return time.Unix(n, 0).UTC()
			}
		}
	}
	return time.Time{}
}

func domainInfo() (domain, workgroup string) {
	b, err := os.ReadFile("/proc/sys/kernel/domainname")
	if err == nil {
		if d := strings.TrimSpace(string(b)); d != "(none)" {
			domain = d
		}
	}
	return domain, ""
}
