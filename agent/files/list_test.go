package files

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func names(items []Item) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.Name)
	}
	return out
}

func TestList(t *testing.T) {
	f := newFixture(t, Options{})
	write(t, f.path("b.txt"), "bb")
	write(t, f.path("A.txt"), "a")
	mkdir(t, f.path("Zeta"))
	write(t, f.path(".hidden"), "")
	write(t, f.path(".b.txt.tether-part"), "upload in progress")
	// Without links (Wine) the rest is still listed and checked.
	err := errors.Join(f.trySymlink("docs", "docs-link"), f.trySymlink(filepath.Join("..", "outside"), "out-link"))
	links := err == nil
	if !links {
		t.Log("links not checked:", err)
	}
	mtime := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	os.Chtimes(f.path("b.txt"), mtime, mtime)

	l, err := f.r.List("")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"docs", "docs-link", "Zeta", ".hidden", "A.txt", "b.txt", "hello.txt", "out-link"}
	if !links {
		want = slices.DeleteFunc(want, func(n string) bool { return strings.HasSuffix(n, "-link") })
	}
	if got := names(l.Items); !slices.Equal(got, want) || l.Truncated {
		t.Errorf("names %q (truncated %v), want %q", got, l.Truncated, want)
	}
	byName := map[string]Item{}
	for _, it := range l.Items {
		byName[it.Name] = it
	}
	if it := byName["b.txt"]; it.Size != 2 || it.Dir || !it.Modified.Equal(mtime) || it.Link {
		t.Errorf("b.txt %+v", it)
	}
	if it := byName["docs"]; !it.Dir || it.Size != 0 {
		t.Errorf("docs %+v", it)
	}
	if links {
		if it := byName["docs-link"]; !it.Dir || !it.Link {
			t.Errorf("link to a dir inside: %+v", it)
		}
		if it := byName["out-link"]; it.Dir || !it.Link {
			t.Errorf("link out of the root must not be followed: %+v", it)
		}
		l, err = f.r.List("docs-link")
		if err != nil || len(l.Items) != 0 {
			t.Errorf("List through a link inside: %+v, %v", l, err)
		}
	}
	_, err = f.r.List("hello.txt")
	wantKind(t, err, ErrNotDir)
	_, err = f.r.List("missing")
	wantKind(t, err, ErrNotFound)
}

func TestListTruncated(t *testing.T) {
	f := newFixture(t, Options{})
	for _, n := range []string{"1", "2", "3", "4", "5"} {
		write(t, f.path("docs/"+n), n)
	}
	l, err := f.open(t, Options{MaxEntries: 3}, false).List("docs")
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Items) != 3 || !l.Truncated {
		t.Errorf("%d items, truncated %v; want 3, true", len(l.Items), l.Truncated)
	}
	l, _ = f.open(t, Options{MaxEntries: 5}, false).List("docs")
	if len(l.Items) != 5 || l.Truncated {
		t.Errorf("%d items, truncated %v; want 5, false", len(l.Items), l.Truncated)
	}
}

func TestStat(t *testing.T) {
	f := newFixture(t, Options{})
	it, err := f.r.Stat("hello.txt")
	if err != nil || it.Name != "hello.txt" || it.Size != 5 || it.Dir {
		t.Errorf("Stat = %+v, %v", it, err)
	}
	it, err = f.r.Stat(".")
	if err != nil || !it.Dir {
		t.Errorf("Stat(.) = %+v, %v", it, err)
	}
}
