package site

import (
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/tetherhq/tether/embedcfg"
)

// buildInfo is what the site needs of an agent build for every download
// and update offer: where a config record goes and the digest the record
// must name (embedcfg.Layout), and the SHA-256 of the plain build that an
// update offer signs.
type buildInfo struct {
	layout *embedcfg.Layout
	sha256 []byte
}

// buildInfos caches buildInfo by path, size and modification time: after a
// site upgrade every jump client checks in at once, and each download
// would otherwise read and hash a build of tens of megabytes. The key names
// the file's content, so sharing it between servers is harmless.
var buildInfos = struct {
	sync.Mutex
	m map[string]*buildInfo
}{m: map[string]*buildInfo{}}

// openBuild opens the agent build at path and returns it with its info;
// the caller closes the file.
func openBuild(path string) (*os.File, *buildInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("agent build: %w", err)
	}
	info, err := inspectBuild(f)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, info, nil
}

func inspectBuild(f *os.File) (*buildInfo, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("agent build: %w", err)
	}
	key := fmt.Sprintf("%s\x00%d\x00%d", f.Name(), st.Size(), st.ModTime().UnixNano())
	buildInfos.Lock()
	info, ok := buildInfos.m[key]
	buildInfos.Unlock()
	if ok {
		return info, nil
	}
	data, err := io.ReadAll(io.NewSectionReader(f, 0, st.Size()))
	if err != nil {
		return nil, fmt.Errorf("read agent build: %w", err)
	}
	l, err := embedcfg.Inspect(data)
	if err != nil {
		return nil, fmt.Errorf("agent build %s: %w", f.Name(), err)
	}
	sum := sha256.Sum256(data)
	info = &buildInfo{layout: l, sha256: sum[:]}
	buildInfos.Lock()
	if len(buildInfos.m) >= 64 { // replaced builds leave stale keys
		clear(buildInfos.m)
	}
	buildInfos.m[key] = info
	buildInfos.Unlock()
	return info, nil
}
