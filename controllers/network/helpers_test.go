package network_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/client-go/tools/events"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers/network"
	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/awssim"
	"github.com/flaskops/flask-operator/internal/cloud"
	"github.com/flaskops/flask-operator/internal/stagetest"
	"github.com/flaskops/flask-operator/internal/testenv"
)

const region = "us-east-1"

// rig is one simulator behind an httptest server and a network stage whose SDK client
// goes through a crasher, so a test can cut a pass short after any AWS call.
type rig struct {
	t       testing.TB
	sim     *awssim.Sim
	clock   *awssim.ManualClock
	ec2     *ec2.Client // for assertions; its calls are not counted by the crasher
	client  *ec2.Client // the stage's
	cluster string
	stage   *network.Stage
	events  *events.FakeRecorder
	crash   *stagetest.Crasher
	sent    *recorder // the stage's requests
}

func newRig(t testing.TB, opts ...awssim.Option) *rig {
	t.Helper()
	return newRigWithRetries(t, 1, opts...)
}

// newRigWithRetries lets the stage's SDK client make up to attempts attempts per call.
func newRigWithRetries(t testing.TB, attempts int, opts ...awssim.Option) *rig {
	t.Helper()
	clock := awssim.NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	sim, err := awssim.New(append([]awssim.Option{awssim.WithClock(clock)}, opts...)...)
	if err != nil {
		t.Fatalf("new sim: %v", err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	base := simConfig(srv.URL)
	sent := &recorder{inner: awshttp.NewBuildableClient()}
	crash := stagetest.NewCrasher(sent)
	stageCfg := base.Copy()
	stageCfg.HTTPClient = crash
	stageCfg.Retryer = nil
	stageCfg.RetryMaxAttempts = attempts
	r := &rig{t: t, sim: sim, clock: clock, ec2: ec2.NewFromConfig(base), client: ec2.NewFromConfig(stageCfg),
		events: events.NewFakeRecorder(1000), crash: crash, sent: sent}
	return r.inCluster(testenv.ClusterName)
}

// inCluster is the rig with the stage of the manager of another cluster, against the same
// simulator.
func (r *rig) inCluster(cluster string) *rig {
	out := *r
	out.cluster = cluster
	out.stage = network.New(func(string) cloud.NetworkEC2 { return r.client }, r.events, cluster)
	return &out
}

// simConfig is the plain clients' configuration: a call is made once (injected faults
// reach the caller) unless the loopback connection itself broke.
func simConfig(url string) aws.Config {
	cfg := aws.Config{
		Region:       region,
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
	}
	stagetest.RetryBrokenConnections(&cfg)
	return cfg
}

// recorder is an HTTP client that keeps the parameters of every EC2 request it sends, for
// the few tests where the request is the behaviour (the ClientToken of a create).
type recorder struct {
	inner aws.HTTPClient
	mu    sync.Mutex
	forms []url.Values
}

func (r *recorder) Do(req *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, err
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	if form, err := url.ParseQuery(string(body)); err == nil {
		r.mu.Lock()
		r.forms = append(r.forms, form)
		r.mu.Unlock()
	}
	return r.inner.Do(req)
}

// calls returns the parameters of the requests of one EC2 action, in order.
func (r *recorder) calls(action string) []url.Values {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []url.Values
	for _, f := range r.forms {
		if f.Get("Action") == action {
			out = append(out, f)
		}
	}
	return out
}

// newFD is a FlaskDeployment with the API server's defaults filled in.
func newFD(ns, name string) *v1alpha1.FlaskDeployment {
	return &v1alpha1.FlaskDeployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, UID: types.UID(uuid.NewUUID()), Generation: 1},
		Spec: v1alpha1.FlaskDeploymentSpec{
			Region: region,
			Tags:   map[string]string{"project": "mane", "environment": "dev", "owner": "sachin"},
			Network: v1alpha1.NetworkSpec{
				VPCCIDR:            "10.0.0.0/16",
				PublicSubnetCIDRs:  []string{"10.0.1.0/24", "10.0.2.0/24"},
				PrivateSubnetCIDRs: []string{"10.0.3.0/24", "10.0.4.0/24"},
				NATGateways:        v1alpha1.NATGatewaySingle,
			},
			DeletionPolicy:   v1alpha1.DeletionPolicyDelete,
			ManagementPolicy: v1alpha1.ManagementPolicyFull,
		},
		Status: v1alpha1.FlaskDeploymentStatus{Region: region},
	}
}

// pass runs one Reconcile the way the orchestrator does.
func (r *rig) pass(ctx context.Context, fd *v1alpha1.FlaskDeployment, st *stagetest.Store) (stage.Result, error) {
	return stagetest.Pass(ctx, r.stage, fd, st)
}

// converge runs passes until the stage is Done, moving the clock over AWS's delays.
func (r *rig) converge(fd *v1alpha1.FlaskDeployment) stage.Result {
	r.t.Helper()
	st := &stagetest.Store{}
	for range 30 {
		res, err := r.pass(context.Background(), fd, st)
		if err != nil {
			r.t.Fatalf("reconcile: %v", err)
		}
		if res.Done {
			return res
		}
		r.clock.Advance(time.Minute)
	}
	r.t.Fatalf("network not ready after 30 passes: %+v", fd.Status.Conditions)
	return stage.Result{}
}

// deleteAll runs Delete until Done.
func (r *rig) deleteAll(fd *v1alpha1.FlaskDeployment) {
	r.t.Helper()
	for range 30 {
		res, err := r.stage.Delete(context.Background(), fd)
		if err != nil {
			r.t.Fatalf("delete: %v", err)
		}
		if res.Done {
			return
		}
		r.clock.Advance(time.Minute)
	}
	r.t.Fatalf("network not deleted after 30 passes")
}

// ownedBy lists the live simulator resources whose tags prove them fd's under the manager
// of cluster, by type.
func ownedBy(sim *awssim.Sim, cluster string, fd *v1alpha1.FlaskDeployment) map[string][]string {
	out := map[string][]string{}
	for _, res := range sim.ListLive() {
		if cloud.NewOwner(cluster, fd).Owns(res.Tags) {
			out[res.Type] = append(out[res.Type], res.ID)
		}
	}
	return out
}

// counts is ownedBy reduced to numbers.
func counts(sim *awssim.Sim, cluster string, fd *v1alpha1.FlaskDeployment) map[string]int {
	out := map[string]int{}
	for typ, ids := range ownedBy(sim, cluster, fd) {
		out[typ] = len(ids)
	}
	return out
}

// topology is what the simulator holds of fd's network, read through the real SDK.
type topology struct {
	vpc         ec2types.Vpc
	dnsSupport  bool
	dnsHostname bool
	subnets     []ec2types.Subnet
	igws        []ec2types.InternetGateway
	addresses   []ec2types.Address
	nats        []ec2types.NatGateway
	routeTables []ec2types.RouteTable
}

func readTopology(ctx context.Context, c *ec2.Client, o cloud.Owner) (*topology, error) {
	f := o.Filters(network.Name, "")
	t := &topology{}
	vpcs, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: f})
	if err != nil {
		return nil, err
	}
	if len(vpcs.Vpcs) != 1 {
		return nil, fmt.Errorf("%d VPCs, want 1", len(vpcs.Vpcs))
	}
	t.vpc = vpcs.Vpcs[0]
	for _, attr := range []ec2types.VpcAttributeName{ec2types.VpcAttributeNameEnableDnsSupport, ec2types.VpcAttributeNameEnableDnsHostnames} {
		out, err := c.DescribeVpcAttribute(ctx, &ec2.DescribeVpcAttributeInput{VpcId: t.vpc.VpcId, Attribute: attr})
		if err != nil {
			return nil, err
		}
		if out.EnableDnsSupport != nil {
			t.dnsSupport = aws.ToBool(out.EnableDnsSupport.Value)
		}
		if out.EnableDnsHostnames != nil {
			t.dnsHostname = aws.ToBool(out.EnableDnsHostnames.Value)
		}
	}
	for pg := ec2.NewDescribeSubnetsPaginator(c, &ec2.DescribeSubnetsInput{Filters: f}); pg.HasMorePages(); {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		t.subnets = append(t.subnets, page.Subnets...)
	}
	for pg := ec2.NewDescribeInternetGatewaysPaginator(c, &ec2.DescribeInternetGatewaysInput{Filters: f}); pg.HasMorePages(); {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		t.igws = append(t.igws, page.InternetGateways...)
	}
	addr, err := c.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{Filters: f})
	if err != nil {
		return nil, err
	}
	t.addresses = addr.Addresses
	for pg := ec2.NewDescribeNatGatewaysPaginator(c, &ec2.DescribeNatGatewaysInput{Filter: append(slices.Clone(f),
		ec2types.Filter{Name: aws.String("state"), Values: []string{"pending", "available"}})}); pg.HasMorePages(); {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		t.nats = append(t.nats, page.NatGateways...)
	}
	for pg := ec2.NewDescribeRouteTablesPaginator(c, &ec2.DescribeRouteTablesInput{Filters: f}); pg.HasMorePages(); {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		t.routeTables = append(t.routeTables, page.RouteTables...)
	}
	return t, nil
}

// checkTopology compares the simulator with what the spec of fd asks for, under the
// manager of cluster: the seed's network for Single, with one NAT and private table per
// zone for PerAZ, no NAT for None.
func checkTopology(ctx context.Context, c *ec2.Client, cluster string, fd *v1alpha1.FlaskDeployment) error {
	o := cloud.NewOwner(cluster, fd)
	t, err := readTopology(ctx, c, o)
	if err != nil {
		return err
	}
	spec := fd.Spec.Network
	azs := fd.Status.Network.AvailabilityZones
	if aws.ToString(t.vpc.CidrBlock) != spec.VPCCIDR || !t.dnsSupport || !t.dnsHostname {
		return fmt.Errorf("VPC %s cidr %s dnsSupport %v dnsHostnames %v", aws.ToString(t.vpc.VpcId), aws.ToString(t.vpc.CidrBlock), t.dnsSupport, t.dnsHostname)
	}
	vpc := aws.ToString(t.vpc.VpcId)
	if err := checkTags(o, "VPC "+vpc, t.vpc.Tags); err != nil {
		return err
	}
	for _, s := range t.subnets {
		if err := checkTags(o, "subnet "+aws.ToString(s.SubnetId), s.Tags); err != nil {
			return err
		}
	}
	for _, g := range t.igws {
		if err := checkTags(o, "internet gateway "+aws.ToString(g.InternetGatewayId), g.Tags); err != nil {
			return err
		}
	}
	for _, a := range t.addresses {
		if err := checkTags(o, "Elastic IP "+aws.ToString(a.AllocationId), a.Tags); err != nil {
			return err
		}
	}
	for _, n := range t.nats {
		if err := checkTags(o, "NAT gateway "+aws.ToString(n.NatGatewayId), n.Tags); err != nil {
			return err
		}
	}
	for _, rt := range t.routeTables {
		if err := checkTags(o, "route table "+aws.ToString(rt.RouteTableId), rt.Tags); err != nil {
			return err
		}
	}
	public, private := map[string]string{}, map[string]string{} // az -> subnet
	var publicIDs, privateIDs []string
	for _, s := range t.subnets {
		id, az, cidr := aws.ToString(s.SubnetId), aws.ToString(s.AvailabilityZone), aws.ToString(s.CidrBlock)
		i := slices.Index(azs, az)
		switch {
		case i < 0 || aws.ToString(s.VpcId) != vpc:
			return fmt.Errorf("subnet %s in %s/%s", id, az, aws.ToString(s.VpcId))
		case cidr == spec.PublicSubnetCIDRs[i] && aws.ToBool(s.MapPublicIpOnLaunch):
			public[az] = id
			publicIDs = append(publicIDs, id)
		case cidr == spec.PrivateSubnetCIDRs[i] && !aws.ToBool(s.MapPublicIpOnLaunch):
			private[az] = id
			privateIDs = append(privateIDs, id)
		default:
			return fmt.Errorf("subnet %s %s in %s: mapPublicIp %v does not match the spec", id, cidr, az, aws.ToBool(s.MapPublicIpOnLaunch))
		}
	}
	if len(t.subnets) != 2*len(azs) || len(public) != len(azs) || len(private) != len(azs) {
		return fmt.Errorf("%d subnets: public %v private %v", len(t.subnets), public, private)
	}
	if len(t.igws) != 1 || len(t.igws[0].Attachments) != 1 || aws.ToString(t.igws[0].Attachments[0].VpcId) != vpc {
		return fmt.Errorf("internet gateways %+v", t.igws)
	}
	igw := aws.ToString(t.igws[0].InternetGatewayId)

	natAZs := map[v1alpha1.NATGatewayMode][]string{v1alpha1.NATGatewaySingle: azs[:1], v1alpha1.NATGatewayPerAZ: azs}[spec.NATGateways]
	if fd.Spec.Suspend {
		natAZs = nil
	}
	if len(t.nats) != len(natAZs) || len(t.addresses) != len(natAZs) {
		return fmt.Errorf("%d NAT gateways and %d Elastic IPs, want %d", len(t.nats), len(t.addresses), len(natAZs))
	}
	natByAZ := map[string]string{}
	for i, az := range natAZs {
		var found *ec2types.NatGateway
		for j := range t.nats {
			if aws.ToString(t.nats[j].SubnetId) == public[az] {
				found = &t.nats[j]
			}
		}
		if found == nil || found.State != ec2types.NatGatewayStateAvailable || len(found.NatGatewayAddresses) != 1 ||
			aws.ToString(found.NatGatewayAddresses[0].AllocationId) == "" {
			return fmt.Errorf("NAT gateway %d: none available in public subnet %s of %s: %+v", i, public[az], az, t.nats)
		}
		natByAZ[az] = aws.ToString(found.NatGatewayId)
	}

	wantTables := 2
	if spec.NATGateways == v1alpha1.NATGatewayPerAZ {
		wantTables = 1 + len(azs)
	}
	if len(t.routeTables) != wantTables {
		return fmt.Errorf("%d route tables, want %d", len(t.routeTables), wantTables)
	}
	privateCovered := map[string]bool{}
	for _, rt := range t.routeTables {
		id := aws.ToString(rt.RouteTableId)
		var assoc []string
		for _, a := range rt.Associations {
			if !aws.ToBool(a.Main) {
				assoc = append(assoc, aws.ToString(a.SubnetId))
			}
		}
		sort.Strings(assoc)
		def := defaultRouteTarget(rt)
		switch {
		case sameSet(assoc, publicIDs):
			if def != igw {
				return fmt.Errorf("public route table %s: 0.0.0.0/0 -> %q, want %s", id, def, igw)
			}
		default:
			for _, sn := range assoc {
				az := ""
				for a, p := range private {
					if p == sn {
						az = a
					}
				}
				if az == "" {
					return fmt.Errorf("route table %s associated with unexpected subnet %s", id, sn)
				}
				privateCovered[sn] = true
				want := ""
				switch {
				case fd.Spec.Suspend || spec.NATGateways == v1alpha1.NATGatewayNone:
				case spec.NATGateways == v1alpha1.NATGatewayPerAZ:
					want = natByAZ[az]
				default:
					want = natByAZ[azs[0]]
				}
				if def != want {
					return fmt.Errorf("private route table %s: 0.0.0.0/0 -> %q, want %q", id, def, want)
				}
			}
			if spec.NATGateways != v1alpha1.NATGatewayPerAZ && len(assoc) != len(azs) {
				return fmt.Errorf("private route table %s has associations %v, want all private subnets", id, assoc)
			}
		}
	}
	if len(privateCovered) != len(azs) {
		return fmt.Errorf("private subnets associated: %v, want %v", privateCovered, private)
	}
	return nil
}

// checkTags: every resource carries the spec's tags, a Name, and the ownership tags.
func checkTags(o cloud.Owner, what string, tags []ec2types.Tag) error {
	got := tagsOf(tags)
	resource := got[cloud.TagResource]
	want := o.EC2Tags(network.Name, resource)
	if resource == "" || len(cloud.MissingTags(want, got)) > 0 {
		return fmt.Errorf("%s has tags %v, want %v", what, got, want)
	}
	return nil
}

func defaultRouteTarget(rt ec2types.RouteTable) string {
	for _, r := range rt.Routes {
		if aws.ToString(r.DestinationCidrBlock) == "0.0.0.0/0" && r.State != ec2types.RouteStateBlackhole {
			return aws.ToString(r.GatewayId) + aws.ToString(r.NatGatewayId)
		}
	}
	return ""
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	sort.Strings(a)
	sort.Strings(b)
	return slices.Equal(a, b)
}

func tagsOf(tags []ec2types.Tag) map[string]string { return cloud.FromEC2(tags) }

// drain returns the events recorded so far.
func drain(rec *events.FakeRecorder) []string { return stagetest.Events(rec) }
