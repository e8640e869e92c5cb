// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package transport

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestCommandLine(t *testing.T) {
	long := strings.Repeat("A", MaxCommandLine)
	tests := []struct {
		name    string
		program string
		args    []string
		want    string
		wantErr string
	}{
		{name: "plain", program: "powershell.exe", args: []string{"-NoProfile", "-EncodedCommand", "aGVsbG8+/w=="}, want: "powershell.exe -NoProfile -EncodedCommand aGVsbG8+/w=="},
		{name: "posix path", program: "/usr/bin/pwsh", want: "/usr/bin/pwsh"},
		{name: "upper case and digits are plain", program: "/opt/AksHci/PowerShell/7.0/pwsh", want: "/opt/AksHci/PowerShell/7.0/pwsh"},
		{name: "the edges of the plain ranges", program: "/0/9/A/Z/a/z/pwsh", args: []string{"0", "9", "A", "Z", "a", "z"}, want: "/0/9/A/Z/a/z/pwsh 0 9 A Z a z"},
		{name: "windows path", program: `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`, want: `"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe"`},
		{name: "spaces", program: `C:\Program Files\PowerShell\7\pwsh.exe`, args: []string{"-NoProfile"}, want: `"C:\Program Files\PowerShell\7\pwsh.exe" -NoProfile`},
		{name: "unicode letters", program: `/opt/Überwachung/pwsh`, want: `"/opt/Überwachung/pwsh"`},
		{name: "empty", program: "", wantErr: "program is empty"},
		{name: "leading space", program: " pwsh", wantErr: "white space"},
		{name: "double quote", program: `C:\a"b\pwsh.exe`, wantErr: "cannot be quoted safely"},
		{name: "percent", program: `C:\%PATH%\pwsh.exe`, wantErr: "cannot be quoted safely"},
		{name: "dollar", program: `/opt/$HOME/pwsh`, wantErr: "cannot be quoted safely"},
		{name: "backtick", program: "/opt/`id`/pwsh", wantErr: "cannot be quoted safely"},
		{name: "parentheses", program: `C:\Program Files (x86)\pwsh.exe`, wantErr: "cannot be quoted safely"},
		{name: "ampersand", program: `C:\a&b\pwsh.exe`, wantErr: "cannot be quoted safely"},
		{name: "caret", program: `C:\a^b\pwsh.exe`, wantErr: "cannot be quoted safely"},
		{name: "bang", program: `/opt/a!b/pwsh`, wantErr: "cannot be quoted safely"},
		{name: "semicolon", program: `pwsh;id`, wantErr: "cannot be quoted safely"},
		{name: "newline", program: "pwsh\nid", wantErr: "cannot be quoted safely"},
		{name: "doubled backslash", program: `\\server\share\pwsh.exe`, wantErr: "doubled or trailing backslash"},
		{name: "trailing backslash", program: `C:\dir\`, wantErr: "doubled or trailing backslash"},
		{name: "invalid utf8", program: "pwsh\xff", wantErr: "UTF-8"},
		{name: "arg with space", program: "pwsh", args: []string{"-Command", "Get-Date; id"}, wantErr: "argument 2"},
		{name: "arg with quote", program: "pwsh", args: []string{`"x"`}, wantErr: "only be flags and base64"},
		{name: "empty arg", program: "pwsh", args: []string{""}, wantErr: "empty"},
		{name: "too long", program: "pwsh", args: []string{long}, wantErr: "8191"},
		// An argument is quoted in full in the error up to 40 characters, cut after that.
		{name: "bad arg of 40 characters", program: "p", args: []string{strings.Repeat("b", 39) + ";"},
			wantErr: `"` + strings.Repeat("b", 39) + `;" contains ';'`},
		{name: "bad arg of 41 characters", program: "p", args: []string{strings.Repeat("b", 40) + ";"},
			wantErr: `"` + strings.Repeat("b", 40) + `..." contains ';'`},
		// cmd.exe takes 8191 characters: "p " and 8189 more fit, one more does not.
		{name: "at the cmd.exe limit", program: "p", args: []string{strings.Repeat("A", 8189)}, want: "p " + strings.Repeat("A", 8189)},
		{name: "one past the cmd.exe limit", program: "p", args: []string{strings.Repeat("A", 8190)},
			wantErr: "command line is 8192 characters long, more than the 8191"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := CommandLine(tc.program, tc.args)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("CommandLine(%q, %q) = %q, %v; want error containing %q", tc.program, tc.args, got, err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("CommandLine(%q, %q) = %q, %v; want %q", tc.program, tc.args, got, err, tc.want)
			}
		})
	}
}

// FuzzCommandLine checks that every command line CommandLine accepts has the program as
// its first word in both shells: either plain, or in one pair of double quotes with
// nothing inside that a POSIX shell or cmd.exe would interpret.
func FuzzCommandLine(f *testing.F) {
	for _, s := range []string{"powershell.exe", `C:\Program Files\pwsh.exe`, `a"b`, "a b$c", `x\\y`, "é \\z"} {
		f.Add(s, "-EncodedCommand")
	}
	f.Fuzz(func(t *testing.T, program, arg string) {
		line, err := CommandLine(program, []string{arg})
		if err != nil {
			return
		}
		var word, rest string
		if strings.HasPrefix(line, `"`) {
			end := strings.IndexByte(line[1:], '"')
			if end < 0 {
				t.Fatalf("unterminated quote in %q", line)
			}
			word, rest = line[1:1+end], line[2+end:]
			if strings.ContainsAny(word, "\"$`!%&|<>()^@\n\r\t;") || strings.Contains(word, `\\`) || strings.HasSuffix(word, `\`) {
				t.Fatalf("special character inside quotes: %q", line)
			}
		} else {
			i := strings.IndexByte(line, ' ')
			if i < 0 {
				t.Fatalf("no argument separator in %q", line)
			}
			word, rest = line[:i], line[i:]
			if strings.ContainsAny(word, " \\\"'$`!%&|<>()^@;~+") {
				t.Fatalf("unquoted program with special characters: %q", line)
			}
		}
		if word != program {
			t.Fatalf("program %q became %q in %q", program, word, line)
		}
		if rest != " "+arg || strings.ContainsAny(arg, " \"'$`!%&|<>()^@;\\\n\r\t*?[]{}~#") {
			t.Fatalf("argument %q not passed verbatim: %q", arg, line)
		}
	})
}

// TestCommandLinePOSIXShell runs quoted command lines through sh -c, as OpenSSH does
// on a POSIX host.
func TestCommandLinePOSIXShell(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	dir := filepath.Join(t.TempDir(), "Program Files", "Power Shell+~")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	prog := filepath.Join(dir, "fake pwsh")
	if err := os.WriteFile(prog, []byte("#!/bin/sh\nprintf '%s|' \"$0\" \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	line, err := CommandLine(prog, []string{"-NoProfile", "-EncodedCommand", "ab+/cd=="})
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(sh, "-c", line).CombinedOutput()
	if err != nil {
		t.Fatalf("sh -c %q: %v\n%s", line, err, out)
	}
	want := prog + "|-NoProfile|-EncodedCommand|ab+/cd==|"
	if string(out) != want {
		t.Fatalf("got %q, want %q", out, want)
	}
}
