// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package main

import (
	"strings"
	"testing"
	"testing/fstest"
)

const testConfig = `changesDir: .changes
unreleasedDir: unreleased
kinds:
  - label: BREAKING CHANGES
  - label: NOTES
  - label: FEATURES
  - label: BUG FIXES
`

// repo is a repository with the configuration, one documented resource and the given entries.
func repo(entries map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{
		".changie.yaml":                          {Data: []byte(testConfig)},
		".changes/unreleased/.gitkeep":           {},
		"docs/resources/cluster_certificates.md": {Data: []byte("# page\n")},
	}
	for name, content := range entries {
		fsys[".changes/unreleased/"+name] = &fstest.MapFile{Data: []byte(content)}
	}
	return fsys
}

func entryFile(kind, body string) string {
	return "kind: " + kind + "\nbody: '" + strings.ReplaceAll(body, "'", "''") + "'\ntime: 2026-12-07T20:45:56.893645209Z\n"
}

func TestCheck_acceptsWellFormedEntries(t *testing.T) {
	problems, err := check(repo(map[string]string{
		"a.yaml": entryFile("FEATURES", "resource/akshybrid_cluster_certificates: new resource, see "+
			"[the page](docs/resources/cluster_certificates.md#argument-reference)."),
		"b.yaml": entryFile("BUG FIXES", "provider: the warning says \"1 day\" ([Azure/aksArc#169](https://github.com/Azure/aksArc/issues/169))."),
		"c.yaml": entryFile("NOTES", "The provider needs Terraform 1.5 or later."),
		"d.yaml": entryFile("BREAKING CHANGES", "resource/akshybrid_gone: removed."),
	}))
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) > 0 {
		t.Errorf("problems in well-formed entries:\n%s", strings.Join(problems, "\n"))
	}
}

func TestCheck_reportsEachMalformedEntryByFile(t *testing.T) {
	for _, tt := range []struct {
		name, content, want string
	}{
		{"internal prefix", entryFile("FEATURES", "emulator: restarts."), "must start with what it changes"},
		{"no prefix", entryFile("BUG FIXES", "fixed a thing."), "must start with what it changes"},
		{"prefix without text", entryFile("FEATURES", "provider:"), "must start with what it changes"},
		{"undocumented type", entryFile("FEATURES", "resource/akshybrid_nothing: x."), "docs/resources/nothing.md"},
		{"wrong kind of type", entryFile("FEATURES", "data-source/akshybrid_cluster_certificates: x."), "docs/data-sources/cluster_certificates.md"},
		{"unknown kind", entryFile("FEATURE", "provider: x."), `kind "FEATURE"`},
		{"empty body", entryFile("FEATURES", ""), "body is empty"},
		{"missing body", "kind: FEATURES\ntime: 2026-12-07T20:45:56Z\n", "body is empty"},
		{"two lines", "kind: FEATURES\nbody: |\n  provider: a\n  b\ntime: 2026-12-07T20:45:56Z\n", "several lines"},
		{"missing time", "kind: FEATURES\nbody: 'provider: x.'\n", "RFC 3339"},
		{"unknown key", entryFile("FEATURES", "provider: x.") + "custom:\n  Issue: \"3\"\n", "not a change entry"},
		{"not YAML", "kind: FEATURES\nbody: \"unterminated\n", "not a change entry"},
		{"missing link target", entryFile("FEATURES", "provider: see [x](docs/guides/none.md)."), "docs/guides/none.md does not exist"},
		{"link outside", entryFile("FEATURES", "provider: see [x](../elsewhere.md)."), "outside the repository"},
		{"plain http link", entryFile("FEATURES", "provider: see [x](http://example.com/)."), "use https://"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			problems, err := check(repo(map[string]string{
				"good.yaml": entryFile("FEATURES", "provider: fine."),
				"bad.yaml":  tt.content,
			}))
			if err != nil {
				t.Fatal(err)
			}
			if len(problems) != 1 {
				t.Fatalf("got %d problems, want 1 for bad.yaml:\n%s", len(problems), strings.Join(problems, "\n"))
			}
			if !strings.HasPrefix(problems[0], ".changes/unreleased/bad.yaml: ") || !strings.Contains(problems[0], tt.want) {
				t.Errorf("problem %q, want one for .changes/unreleased/bad.yaml containing %q", problems[0], tt.want)
			}
		})
	}
}

func TestCheck_reportsFilesThatAreNotEntries(t *testing.T) {
	problems, err := check(repo(map[string]string{"notes.md": "text"}))
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != 1 || !strings.Contains(problems[0], "notes.md: not a change entry") {
		t.Errorf("problems %q, want one naming notes.md", problems)
	}
}
