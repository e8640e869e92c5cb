// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

var (
	_ datasource.DataSourceWithConfigure = (*certificatesDataSource)(nil)
)

// certificatesDataSource reports what expires when, for check blocks and scheduled plans.
type certificatesDataSource struct{ data *providerData }

// NewCertificatesDataSource is the akshybrid_certificates factory.
func NewCertificatesDataSource() datasource.DataSource { return &certificatesDataSource{} }

type certificatesDataSourceModel struct {
	ClusterName        types.String      `tfsdk:"cluster_name"`
	RenewBefore        types.String      `tfsdk:"renew_before"`
	ObservedAt         timetypes.RFC3339 `tfsdk:"observed_at"`
	CAExpiresAt        timetypes.RFC3339 `tfsdk:"ca_expires_at"`
	CAExpired          types.Bool        `tfsdk:"ca_expired"`
	ExpiresAt          timetypes.RFC3339 `tfsdk:"expires_at"`
	ExpiringCredential types.String      `tfsdk:"expiring_credential"`
	ReadyForRenewal    types.Bool        `tfsdk:"ready_for_renewal"`
	Credentials        types.List        `tfsdk:"credentials"`
	Lockouts           types.List        `tfsdk:"lockouts"`
	Timeouts           types.Map         `tfsdk:"timeouts"`
}

var lockoutAttrTypes = map[string]attr.Type{
	"client":          types.StringType,
	"symptom":         types.StringType,
	"remedy":          types.StringType,
	"manual_recovery": types.BoolType,
	"sources":         types.StringType,
}

var credentialAttrTypes = map[string]attr.Type{
	"client":         types.StringType,
	"type":           types.StringType,
	"not_after":      timetypes.RFC3339Type{},
	"expired":        types.BoolType,
	"auto_renew":     types.BoolType,
	"source":         types.StringType,
	"origin":         types.StringType,
	"unknown_reason": types.StringType,
	"revoked":        types.BoolType,
	"usable":         types.BoolType,
}

func optionalString(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}

func (d *certificatesDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_certificates"
}

func (d *certificatesDataSource) Schema(ctx context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reports when each certificate and token of the management cluster or of one workload cluster " +
			"expires, on the host's clock. Use it in `check` blocks so scheduled plans and HCP Terraform health " +
			"assessments warn before anything breaks.",
		Attributes: map[string]schema.Attribute{
			"cluster_name": schema.StringAttribute{
				MarkdownDescription: "Workload cluster to report on. Omit it for the management cluster.",
				Optional:            true,
				Validators:          []validator.String{clusterNameValidator{}},
			},
			"renew_before": schema.StringAttribute{
				MarkdownDescription: "Renewal window used for `ready_for_renewal`, as a Go duration of at least `" +
					hours(akshci.MinRenewBefore) + "` and shorter than `" + hours(akshci.Lifetime) + "`. Default: `" +
					defaultRenewBefore + "` (30 days).",
				Optional:   true,
				Validators: []validator.String{renewBeforeValidator{}},
			},
			"observed_at": schema.StringAttribute{
				CustomType:          timetypes.RFC3339Type{},
				MarkdownDescription: "RFC 3339 time on the host's clock when the credentials were read.",
				Computed:            true,
			},
			"ca_expires_at": schema.StringAttribute{
				CustomType: timetypes.RFC3339Type{},
				MarkdownDescription: "RFC 3339 expiry of the cloud agent CA (365 days; rotated only with " +
					"`Invoke-AksHciRotateCACertificate`, see `akshybrid_cloud_agent_ca`). Null when the host cannot report it. " +
					"From " + akshci.Days(akshci.CARenewBefore) + " before it, every read warns.",
				Computed: true,
			},
			"ca_expired": schema.BoolAttribute{
				MarkdownDescription: "True once the cloud agent CA has expired: every client certificate it signed is " +
					"unusable (`usable = false`) and no renewal can work until the CA is rotated, so `ready_for_renewal` " +
					"is false. Suited to a `check` block assertion, which HCP Terraform health assessments report.",
				Computed: true,
			},
			"expires_at": schema.StringAttribute{
				CustomType: timetypes.RFC3339Type{},
				MarkdownDescription: "Earliest expiry among the listed credentials that do not renew themselves; a " +
					"self-renewing credential counts only once expired. The same rule as the resources, applied to every " +
					"listed credential, including the load balancer and kubelet ones.",
				Computed: true,
			},
			"expiring_credential": schema.StringAttribute{
				MarkdownDescription: "The credential that expires at `expires_at`, for example `KMS token`.",
				Computed:            true,
			},
			"ready_for_renewal": schema.BoolAttribute{
				MarkdownDescription: "True once `expires_at - renew_before` has passed on the host's clock.",
				Computed:            true,
			},
			"timeouts": readTimeouts.dataSourceAttribute(),
			"credentials": schema.ListNestedAttribute{
				MarkdownDescription: "Every credential in scope, soonest expiry first; credentials whose expiry the host " +
					"cannot report come last with a null `not_after`.",
				Computed: true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"client":     schema.StringAttribute{Computed: true, MarkdownDescription: "Client holding the credential, e.g. `KMS`, `LoadBalancer`, `Kubelet`."},
						"type":       schema.StringAttribute{Computed: true, MarkdownDescription: "`certificate` or `token`."},
						"not_after":  schema.StringAttribute{Computed: true, CustomType: timetypes.RFC3339Type{}, MarkdownDescription: "RFC 3339 expiry; null when the host cannot report it."},
						"expired":    schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether `not_after` has passed on the host's clock."},
						"auto_renew": schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the credential renews itself while its client runs."},
						"source": schema.StringAttribute{Computed: true, MarkdownDescription: "Where `not_after` was read: " +
							"`access-file` (a MOC access file of a host tool), `kubeconfig` (a kubeconfig's client certificate), " +
							"`tls-handshake` (the certificate the API server presents), `token-exp` (a login token's `exp` claim, " +
							"decoded on the host) or `emulator`. Null when `not_after` is null."},
						"origin": schema.StringAttribute{Computed: true, MarkdownDescription: "Which file the source read, when " +
							"the host says: for an access file its path and whether it was found in the configured access-file " +
							"directory (`(Get-AksHciConfig).Moc.accessFileDirPath`) or in the account's profile, and any other copy " +
							"that was not counted; for an admin kubeconfig, the file `Get-AksHciCredential` wrote. Null otherwise."},
						"unknown_reason": schema.StringAttribute{Computed: true, MarkdownDescription: "Why `not_after` is null: " +
							"a code and what it means. Mechanical codes say what happened to the source (`not-found`, `denied`, " +
							"`timeout`, `unreachable`, `not-started`, `empty`, `no-exp`, `skipped`); a program or cmdlet that " +
							"failed with a known AKS hybrid error text gets that text's code (for example `kvactl-expired-token`, " +
							"`mocctl-login-expired`, `deadline-exceeded`) with what to run, and one with any other text says " +
							"`unknown error` and quotes the host's text, secrets masked. Null when `not_after` is known."},
						"revoked": schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the host reports the " +
							"identity as revoked; a revoked credential makes `ready_for_renewal` true whatever its expiry."},
						"usable": schema.BoolAttribute{Computed: true, MarkdownDescription: "False when the credential cannot " +
							"be used: expired, revoked, or signed by a cloud agent CA that has expired or is no longer trusted."},
					},
				},
			},
			"lockouts": schema.ListNestedAttribute{
				MarkdownDescription: "Documented lockouts the host shows for this cluster: clients that can no longer log in to " +
					"the cloud agent, what that breaks, and the documented recovery. Empty when all is well. A lockout with " +
					"`manual_recovery` makes every plan of the renewal it blocks fail with the same steps.",
				Computed: true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"client":          schema.StringAttribute{Computed: true, MarkdownDescription: "Locked-out client, e.g. `KMS`, `KVA`, `NodeAgent`."},
						"symptom":         schema.StringAttribute{Computed: true, MarkdownDescription: "What fails, with the documented error text."},
						"remedy":          schema.StringAttribute{Computed: true, MarkdownDescription: "The documented recovery."},
						"manual_recovery": schema.BoolAttribute{Computed: true, MarkdownDescription: "True when no update cmdlet repairs it."},
						"sources":         schema.StringAttribute{Computed: true, MarkdownDescription: "Where the symptom and the remedy are documented."},
					},
				},
			},
		},
	}
}

func (d *certificatesDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	data, diags := providerDataFrom(req.ProviderData)
	resp.Diagnostics.Append(diags...)
	d.data = data
}

func (d *certificatesDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m certificatesDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || d.data == nil {
		return
	}
	window := akshci.DefaultRenewBefore
	ctx = d.data.logContext(ctx)
	if !m.RenewBefore.IsNull() {
		w, err := parseWindow(m.RenewBefore.ValueString())
		if err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("renew_before"), "Invalid renewal window", err.Error())
			return
		}
		window = w
	}
	ctx, cancel, ok := readDeadline(ctx, m.Timeouts, &resp.Diagnostics)
	if !ok {
		return
	}
	defer cancel()
	inv, found := d.data.readInventory(ctx, &resp.Diagnostics)
	if !found {
		return
	}
	creds := inv.Management
	for _, w := range inv.Warnings {
		resp.Diagnostics.AddWarning("AKS hybrid host", w)
	}
	scope := ""
	if !m.ClusterName.IsNull() {
		scope = m.ClusterName.ValueString()
		if err := inv.CheckWorkloadCluster(scope); err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("cluster_name"), "cluster_name is the management cluster",
				err.Error()+". Omit cluster_name to read the management cluster.")
			return
		}
		if err := inv.ClusterListUnavailable(); err != nil {
			clusterListError(&resp.Diagnostics, inv, "Cannot read workload cluster "+quoted(scope), "Get-AksHciCluster", err, "")
			return
		}
		c, ok := inv.Cluster(m.ClusterName.ValueString())
		if !ok {
			addTargetError(&resp.Diagnostics, &akshci.ClusterNotFoundError{Name: m.ClusterName.ValueString(), Existing: inv.ClusterNames()})
			return
		}
		creds = c.Credentials
		if c.Unknown() {
			resp.Diagnostics.AddWarning(unknownClusterWarning(c))
		}
	}
	creds = append([]akshci.Credential(nil), creds...)
	akshci.SortByExpiry(creds)

	// A credential ends when its CA does: one signed by an expired or replaced CA counts
	// at the CA's expiry. Once the CA has expired no renewal can work, so none is ready.
	effective := inv.WithIssuerExpiry(creds)
	st := inv.BoundByCA(effective, window, akshci.Evaluate(inv.Now, effective, window))
	warnCAOnce(&resp.Diagnostics, inv, akshci.CARenewBefore, &d.data.rotation)
	if inv.CAExpired() {
		st.Ready = false
	}
	m.ObservedAt = timeValue(inv.Now)
	m.CAExpiresAt = timeValue(inv.CAExpiresAt)
	m.CAExpired = types.BoolValue(inv.CAExpired())
	m.ExpiresAt = timeValue(st.ExpiresAt)
	m.ExpiringCredential = types.StringNull()
	if st.Credential != "" {
		m.ExpiringCredential = types.StringValue(st.Credential)
	}
	m.ReadyForRenewal = types.BoolValue(st.Ready)
	if len(st.Revoked) > 0 {
		resp.Diagnostics.AddWarning("Revoked credential", "The host reports "+strings.Join(st.Revoked, ", ")+
			" as revoked: it cannot be used whatever its expiry, so ready_for_renewal is true.")
	}

	items := make([]attr.Value, 0, len(creds))
	for _, c := range creds {
		obj, diags := types.ObjectValue(credentialAttrTypes, map[string]attr.Value{
			"client":         types.StringValue(c.Client),
			"type":           types.StringValue(string(c.Type)),
			"not_after":      timeValue(c.NotAfter),
			"expired":        types.BoolValue(c.Expired(inv.Now)),
			"auto_renew":     types.BoolValue(c.AutoRenew),
			"source":         optionalString(string(c.Source)),
			"origin":         optionalString(c.Origin),
			"unknown_reason": optionalString(c.UnknownReason),
			"revoked":        types.BoolValue(c.Revoked),
			"usable":         types.BoolValue(!c.Revoked && !c.Expired(inv.Now) && !inv.Unusable(c)),
		})
		resp.Diagnostics.Append(diags...)
		items = append(items, obj)
	}
	list, diags := types.ListValue(types.ObjectType{AttrTypes: credentialAttrTypes}, items)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	m.Credentials = list
	lockouts := make([]attr.Value, 0)
	for _, l := range inv.LockoutsOf(scope) {
		obj, diags := types.ObjectValue(lockoutAttrTypes, map[string]attr.Value{
			"client":          types.StringValue(l.Client),
			"symptom":         types.StringValue(l.Symptom),
			"remedy":          types.StringValue(l.Remedy),
			"manual_recovery": types.BoolValue(l.Manual),
			"sources":         types.StringValue(l.Sources),
		})
		resp.Diagnostics.Append(diags...)
		lockouts = append(lockouts, obj)
	}
	m.Lockouts, diags = types.ListValue(types.ObjectType{AttrTypes: lockoutAttrTypes}, lockouts)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
