// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/hosts"
	"github.com/akshybrid/terraform-provider-akshybrid/internal/transport"
)

// Every SSH transport setting that hosts names by an attribute is an attribute of the ssh
// block and of its bastion block: an error on a setting points at something the user can
// change. Only the dial timeout is left at the transport's default.
func TestSSHSettingNamesAreProviderAttributes(t *testing.T) {
	var resp provider.SchemaResponse
	(&akshybridProvider{}).Schema(context.Background(), provider.SchemaRequest{}, &resp)
	ssh, ok := resp.Schema.Attributes["ssh"].(schema.SingleNestedAttribute)
	if !ok {
		t.Fatalf("the ssh block is a %T", resp.Schema.Attributes["ssh"])
	}
	bastion, ok := ssh.Attributes["bastion"].(schema.SingleNestedAttribute)
	if !ok {
		t.Fatalf("the bastion block is a %T", ssh.Attributes["bastion"])
	}
	for _, s := range transport.Settings() {
		name := hosts.SSHAttribute(s)
		if name == "" {
			if s != transport.SettingDialTimeout {
				t.Errorf("setting %v has no attribute", s)
			}
			continue
		}
		if _, ok := ssh.Attributes[name]; !ok {
			t.Errorf("setting %v is named %q, which the ssh block does not have", s, name)
		}
		if _, ok := bastion.Attributes[name]; !ok {
			t.Errorf("setting %v is named %q, which the bastion block does not have", s, name)
		}
	}
}
