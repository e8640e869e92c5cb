// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

// Command changelogcheck validates the changelog entries in .changes/unreleased (written by `changie new`)
// before changie renders them into CHANGELOG.md: changie itself rejects only unparsable YAML and unknown kinds,
// and would render an empty body, a missing time or an internal prefix without a word.
//
//	go -C tools run ./changelogcheck REPOSITORY_ROOT
//
// It prints one line per problem, naming the file, and exits 1 when there is any.
package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: changelogcheck REPOSITORY_ROOT")
		os.Exit(2)
	}
	problems, err := check(os.DirFS(os.Args[1]))
	if err != nil {
		fmt.Fprintln(os.Stderr, "changelogcheck:", err)
		os.Exit(2)
	}
	for _, p := range problems {
		fmt.Fprintln(os.Stderr, p)
	}
	if len(problems) > 0 {
		fmt.Fprintf(os.Stderr, "changelogcheck: %d problem(s) in the changelog entries; see CONTRIBUTING.md, \"Changelog\"\n", len(problems))
		os.Exit(1)
	}
}

// config is the part of .changie.yaml the check needs.
type config struct {
	ChangesDir    string `yaml:"changesDir"`
	UnreleasedDir string `yaml:"unreleasedDir"`
	Kinds         []struct {
		Label string `yaml:"label"`
	} `yaml:"kinds"`
}

// entry is one change file as `changie new` writes it.
type entry struct {
	Kind string `yaml:"kind"`
	Body string `yaml:"body"`
	Time string `yaml:"time"`
}

const (
	kindNotes    = "NOTES"
	kindBreaking = "BREAKING CHANGES"
)

// subject is the user-facing prefix of an entry: the provider, or one Terraform type with its kind, the way the
// Terraform Registry and the HashiCorp providers' changelogs name them.
var subject = regexp.MustCompile(`^(provider|(resource|data-source|ephemeral|action|list-resource)/(akshybrid_[a-z0-9_]+)): \S`)

// docsDir maps a subject's kind to the directory of its generated page under docs/.
var docsDir = map[string]string{
	"resource":      "resources",
	"data-source":   "data-sources",
	"ephemeral":     "ephemeral-resources",
	"action":        "actions",
	"list-resource": "list-resources",
}

// link matches the target of a Markdown link.
var link = regexp.MustCompile(`\]\(([^)\s]+)\)`)

// check returns the problems of every entry under the unreleased directory of the repository root.
func check(root fs.FS) ([]string, error) {
	raw, err := fs.ReadFile(root, ".changie.yaml")
	if err != nil {
		return nil, err
	}
	var cfg config
	if err := yaml.Unmarshal(raw, &cfg); err != nil {
		return nil, fmt.Errorf(".changie.yaml: %w", err)
	}
	if cfg.ChangesDir == "" || cfg.UnreleasedDir == "" || len(cfg.Kinds) == 0 {
		return nil, errors.New(".changie.yaml: changesDir, unreleasedDir and kinds are required")
	}
	kinds := make([]string, 0, len(cfg.Kinds))
	for _, k := range cfg.Kinds {
		kinds = append(kinds, k.Label)
	}
	dir := filepath.ToSlash(filepath.Join(cfg.ChangesDir, cfg.UnreleasedDir))
	files, err := fs.ReadDir(root, dir)
	if err != nil {
		return nil, err
	}
	var problems []string
	for _, f := range files {
		name := dir + "/" + f.Name()
		switch {
		case f.Name() == ".gitkeep":
			continue
		case f.IsDir() || filepath.Ext(f.Name()) != ".yaml":
			problems = append(problems, name+": not a change entry: only the .yaml files of `changie new` belong here")
			continue
		}
		raw, err := fs.ReadFile(root, name)
		if err != nil {
			return nil, err
		}
		for _, p := range checkEntry(root, raw, kinds) {
			problems = append(problems, name+": "+p)
		}
	}
	return problems, nil
}

// checkEntry returns the problems of one change file's content.
func checkEntry(root fs.FS, raw []byte, kinds []string) []string {
	var e entry
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&e); err != nil {
		return []string{"not a change entry (kind, body, time): " + err.Error()}
	}
	var problems []string
	if !slices.Contains(kinds, e.Kind) {
		problems = append(problems, fmt.Sprintf("kind %q is not one of .changie.yaml's kinds (%s)", e.Kind, strings.Join(kinds, ", ")))
	}
	if _, err := time.Parse(time.RFC3339Nano, e.Time); err != nil {
		problems = append(problems, fmt.Sprintf("time %q is not an RFC 3339 time (changie orders entries by it)", e.Time))
	}
	return append(problems, checkBody(root, e.Kind, e.Body)...)
}

// checkBody returns the problems of an entry's text.
func checkBody(root fs.FS, kind, body string) []string {
	switch {
	case strings.TrimSpace(body) == "":
		return []string{"the body is empty"}
	case strings.ContainsAny(body, "\r\n"):
		return []string{"the body spans several lines: an entry is one line of CHANGELOG.md"}
	case body != strings.TrimSpace(body):
		return []string{"the body starts or ends with white space"}
	}
	var problems []string
	m := subject.FindStringSubmatch(body)
	switch {
	case m == nil && kind != kindNotes:
		problems = append(problems, "the body must start with what it changes, as a user names it: `provider: `, or "+
			"`resource/`, `data-source/`, `ephemeral/`, `action/` or `list-resource/` followed by the type and `: `, "+
			"e.g. `resource/akshybrid_cluster_certificates: `")
	case m != nil && m[2] != "" && kind != kindBreaking:
		page := "docs/" + docsDir[m[2]] + "/" + strings.TrimPrefix(m[3], "akshybrid_") + ".md"
		if _, err := fs.Stat(root, page); err != nil {
			problems = append(problems, fmt.Sprintf("%s names no documented %s (there is no %s)", m[1], m[2], page))
		}
	}
	for _, l := range link.FindAllStringSubmatch(body, -1) {
		target := l[1]
		if strings.HasPrefix(target, "https://") {
			continue
		}
		if strings.Contains(target, "://") || strings.HasPrefix(target, "/") {
			problems = append(problems, fmt.Sprintf("link %q: use https:// or a path relative to the repository root", target))
			continue
		}
		file, _, _ := strings.Cut(target, "#")
		if file = path.Clean(file); !fs.ValidPath(file) {
			problems = append(problems, fmt.Sprintf("link %q: the target is outside the repository", target))
		} else if _, err := fs.Stat(root, file); err != nil {
			problems = append(problems, fmt.Sprintf("link %q: %s does not exist in the repository", target, file))
		}
	}
	return problems
}
