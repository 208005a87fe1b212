package docscheck

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

const (
	maxReadmeLines  = 200
	maxTableColumns = 120
)

// pages are README.md and every page under docs/, by path from the repository root.
func pages(t *testing.T) map[string]string {
	t.Helper()
	root := filepath.Join("..", "..")
	paths, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, p := range append(paths, filepath.Join(root, "README.md")) {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, p)
		out[filepath.ToSlash(rel)] = string(b)
	}
	if len(out) < 2 {
		t.Fatalf("found no docs pages beside the README: %v", out)
	}
	return out
}

func TestReadmeIsShort(t *testing.T) {
	if n := strings.Count(pages(t)["README.md"], "\n"); n > maxReadmeLines {
		t.Errorf("README.md has %d lines; keep it at %d or fewer and move the rest to docs/", n, maxReadmeLines)
	}
}

func TestTablesFitAScreen(t *testing.T) {
	for path, text := range pages(t) {
		inCode := false
		for i, line := range strings.Split(text, "\n") {
			if strings.HasPrefix(line, "```") {
				inCode = !inCode
			}
			if !inCode && strings.HasPrefix(line, "|") && utf8.RuneCountInString(line) > maxTableColumns {
				t.Errorf("%s:%d: a table row of %d columns; keep tables within %d", path, i+1, utf8.RuneCountInString(line), maxTableColumns)
			}
		}
	}
}

var (
	link    = regexp.MustCompile(`\]\(([^)#\s]*)(#[^)\s]*)?\)`)
	heading = regexp.MustCompile(`(?m)^#+ (.+)$`)
	unslug  = regexp.MustCompile(`[^\p{L}\p{N} _-]`)
)

// anchors are a page's heading ids as GitHub makes them.
func anchors(text string) map[string]bool {
	out := map[string]bool{}
	for _, m := range heading.FindAllStringSubmatch(text, -1) {
		out["#"+strings.ReplaceAll(unslug.ReplaceAllString(strings.ToLower(m[1]), ""), " ", "-")] = true
	}
	return out
}

// Every relative link leads to a page that exists, and to a heading on it.
func TestLinksLeadSomewhere(t *testing.T) {
	all := pages(t)
	for path, text := range all {
		for _, m := range link.FindAllStringSubmatch(text, -1) {
			target, anchor := m[1], m[2]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			dest := path
			if target != "" {
				dest = filepath.ToSlash(filepath.Join(filepath.Dir(path), target))
				if _, err := os.Stat(filepath.Join("..", "..", dest)); err != nil {
					t.Errorf("%s: link to %s, which does not exist", path, target)
					continue
				}
			}
			if anchor != "" {
				if page, ok := all[dest]; !ok || !anchors(page)[anchor] {
					t.Errorf("%s: link to %s%s, a heading %s does not have", path, target, anchor, dest)
				}
			}
		}
	}
}
