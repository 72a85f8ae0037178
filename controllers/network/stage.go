// Package network is the stage that converges a FlaskDeployment's VPC: the VPC itself,
// public and private subnets in each availability zone, the internet gateway, Elastic IPs
// and NAT gateways, and the public and private route tables (the seed's network stack).
//
// Every pass reads what exists with one owner-filtered Describe per resource type (see
// inventory.go), then walks a checklist: each resource is found by the ID in status, then by
// its flaskops.io/resource tag, and created only on a confirmed miss, tagged at creation and
// with a ClientToken where EC2 takes one. What is found is used only once its tags prove it
// this object's (stage.Journal.RepairTags; anything else is an OwnershipConflict, never
// adopted, changed or deleted). A created resource's ID is checkpointed before anything
// depends on it. Mutable attributes (DNS, map-public-IP, routes, associations, tags, the IGW
// attachment) are then repaired, and each repair is noted in status.drift.
//
// Choices made where the API leaves room:
//   - Suspend deletes the NAT gateways and Elastic IPs and removes the private default
//     routes (no blackhole routes are left). NetworkReady is then True with reason
//     Suspended: the network is exactly what a suspended object asks for, so kstatus sees
//     the object as Current rather than forever in progress.
//   - natGateways None still creates one private route table, with no default route, so
//     the private subnets stay explicitly private instead of falling back to the main table.
//   - The private default route is added once its NAT gateway is available.
//   - Managed resources that the spec no longer asks for (NAT gateways, Elastic IPs and
//     route tables after a natGateways change or a suspend) are deleted at the end of a pass.
package network

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/cloud"
)

// Name is the stage's name: log key, tag value and event prefix.
const Name = "network"

// Requeue intervals.
const (
	natPollInterval    = 15 * time.Second
	deletePollInterval = 10 * time.Second
	observeInterval    = time.Minute
)

// Stage converges the network of a FlaskDeployment.
type Stage struct {
	ec2      func(region string) cloud.NetworkEC2
	recorder events.EventRecorder
	cluster  string
}

var _ stage.Stage = (*Stage)(nil)

// New returns the network stage of the manager of cluster (its --cluster-name). ec2 hands
// out the EC2 client of a region.
func New(ec2 func(region string) cloud.NetworkEC2, recorder events.EventRecorder, cluster string) *Stage {
	return &Stage{ec2: ec2, recorder: recorder, cluster: cluster}
}

// Name implements stage.Stage.
func (s *Stage) Name() string { return Name }

// Condition implements stage.Stage.
func (s *Stage) Condition() string { return v1alpha1.ConditionNetworkReady }

// Reconcile converges the network toward fd.Spec.Network. It never waits on AWS: a pending
// NAT gateway is a Waiting result.
func (s *Stage) Reconcile(ctx context.Context, fd *v1alpha1.FlaskDeployment) (stage.Result, error) {
	if fd.Spec.Network.Existing != nil {
		return s.reconcileExisting(ctx, fd)
	}
	p := s.newPass(fd)
	defer p.ReportRepairs()
	// A light pass reads the NAT gateways and route tables: a deleted NAT gateway or a
	// changed route cuts the tasks off the internet. It does not read the VPC: AWS deletes
	// no VPC that still has route tables, so the route tables going is what shows it.
	if err := p.Run(ctx,
		p.reconcileAvailabilityZones,
		p.needIDs,
		stage.FullOnly(p.loadVPCs),
		stage.FullOnly(p.loadSubnets),
		stage.FullOnly(p.loadInternetGateways),
		stage.FullOnly(p.loadAddresses),
		p.loadNATGateways,
		p.loadRouteTables,
		p.checkStatusOwned,
		stage.FullOnly(p.reconcileVPC),
		stage.FullOnly(p.reconcileVPCAttributes),
		stage.FullOnly(p.reconcileInternetGateway),
		stage.FullOnly(p.reconcileSubnets),
		stage.FullOnly(p.reconcileEIPs),
		p.reconcileNATGateways,
		p.reconcileRouteTables,
		p.pruneRouteTables,
		p.pruneNATGateways,
		stage.FullOnly(p.pruneEIPs),
	); err != nil {
		return stage.Result{}, err
	}
	return p.result(), nil
}

// Delete removes, in dependency order, every network resource that carries fd's
// ownership tags. A resource status names that does not is never deleted: the stage
// stalls naming it. AWS's own delays (NAT gateways deleting, ENIs draining) are waits.
func (s *Stage) Delete(ctx context.Context, fd *v1alpha1.FlaskDeployment) (stage.Result, error) {
	if fd.Spec.Network.Existing != nil {
		return stage.Ready("existing network left untouched"), nil
	}
	p := s.newPass(fd)
	if err := p.load(ctx); err != nil {
		return stage.Result{}, err
	}
	if err := p.checkStatusOwned(ctx); err != nil {
		return stage.Result{}, err
	}
	done, err := stage.RunDelete(ctx,
		p.deleteRouteTableAssociations,
		p.deleteRoutes,
		p.deleteNATGateways,
		p.deleteEIPs,
		p.deleteInternetGateway,
		p.deleteSubnets,
		p.deleteRouteTables,
		p.deleteVPC,
	)
	if err != nil {
		return stage.Result{}, err
	}
	if !done {
		return p.result(), nil
	}
	fd.Status.Network = v1alpha1.NetworkStatus{}
	return stage.Ready("network deleted"), nil
}

// pass is the state of one Reconcile or Delete: the client, what AWS holds, and what the
// pass is waiting for.
type pass struct {
	*Stage
	*stage.Journal
	ec2 cloud.NetworkEC2
	fd  *v1alpha1.FlaskDeployment
	azs []string
	inv inventory

	// natWasAvailable remembers which NAT gateways status called available before this
	// pass, to tell a repaired route from a first one.
	natWasAvailable map[string]bool
	// fresh holds the IDs created in this pass: setting them up is not a drift repair.
	fresh map[string]bool
}

func (s *Stage) newPass(fd *v1alpha1.FlaskDeployment) *pass {
	p := &pass{
		Stage:           s,
		Journal:         stage.NewJournal(s, fd, s.recorder, s.cluster),
		ec2:             s.ec2(stage.Region(fd)),
		fd:              fd,
		azs:             fd.Status.Network.AvailabilityZones,
		natWasAvailable: map[string]bool{},
		fresh:           map[string]bool{},
	}
	for _, n := range fd.Status.Network.NATGateways {
		if n.State == "available" {
			p.natWasAvailable[n.ID] = true
		}
	}
	return p
}

// result turns what the pass found into the stage's Result.
func (p *pass) result() stage.Result {
	if r, ok := p.Unfinished(observeInterval, "VPC "+p.fd.Status.Network.VPCID+" found"); ok {
		return r
	}
	st := p.fd.Status.Network
	if p.fd.Spec.Suspend {
		return stage.Result{Done: true, Reason: v1alpha1.ReasonSuspended,
			Message: fmt.Sprintf("suspended: VPC %s kept; NAT gateways and Elastic IPs deleted, private subnets have no internet route", st.VPCID)}
	}
	return stage.Ready(fmt.Sprintf("VPC %s: %d public and %d private subnets, %d NAT gateway(s)",
		st.VPCID, len(st.PublicSubnets), len(st.PrivateSubnets), len(st.NATGateways)))
}

// The kinds of AWS resource the stage creates and deletes.
var (
	kindVPC             = stage.Kind{Name: "VPC", Reason: "VPC", IDKey: "vpcID"}
	kindSubnet          = stage.Kind{Name: "subnet", Reason: "Subnet", IDKey: "subnetID"}
	kindInternetGateway = stage.Kind{Name: "internet gateway", Reason: "InternetGateway", IDKey: "internetGatewayID"}
	kindElasticIP       = stage.Kind{Name: "Elastic IP", Reason: "ElasticIP", IDKey: "allocationID"}
	kindNATGateway      = stage.Kind{Name: "NAT gateway", Reason: "NATGateway", IDKey: "natGatewayID"}
	kindRouteTable      = stage.Kind{Name: "route table", Reason: "RouteTable", IDKey: "routeTableID"}
)

// created records the creation of an AWS resource: a log line and an event. Setting it up
// later in the pass is not a drift repair.
func (p *pass) created(ctx context.Context, k stage.Kind, id string) {
	p.fresh[id] = true
	p.Created(ctx, k, id)
}

// changed records a change to AWS that is not a resource of its own (a route, a route
// table association, the internet gateway attachment): a log line with msg and an event
// about the resource changed (kind and id) whose note is msg followed by detail. Drift
// repairs are not passed here: ReportRepairs sends them in one event already.
func (p *pass) changed(ctx context.Context, reason, action, kind, id, msg, detail string, keysAndValues ...any) {
	log.FromContext(ctx).Info(msg, keysAndValues...)
	p.recorder.Eventf(p.fd, stage.AWSResource(kind, id), corev1.EventTypeNormal, reason, action, "%s %s", msg, detail)
}

// retryThrottledOnly is the option of the creates that take no ClientToken (CreateVpc,
// CreateSubnet, CreateInternetGateway, AllocateAddress): the SDK retries them only when
// throttled, never after a failure that may have come after AWS acted.
func retryThrottledOnly(o *ec2.Options) { o.Retryer = cloud.RetryThrottledOnly(o.Retryer) }

// needIDs sends a light pass to a full one when status lacks an ID the light checks work
// from: they read no subnets, internet gateway or Elastic IPs.
func (p *pass) needIDs(context.Context) error {
	st := p.fd.Status.Network
	p.NeedIDs("VPC ID", st.VPCID, "internet gateway ID", st.InternetGatewayID, "public route table ID", st.PublicRouteTableID)
	for _, az := range p.azs {
		p.NeedIDs("public subnet in "+az, subnetIn(st.PublicSubnets, az), "private subnet in "+az, subnetIn(st.PrivateSubnets, az))
	}
	for _, az := range natAZs(p.fd, p.azs) {
		n := natIn(st.NATGateways, az)
		p.NeedIDs("NAT gateway in "+az, n.ID, "Elastic IP in "+az, n.AllocationID)
	}
	for _, t := range privateTables(p.fd, p.azs) {
		p.NeedIDs(t.resource, privateTableIn(st.PrivateRouteTables, t.az))
	}
	return nil
}
