package network

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/cloud"
)

const (
	resourcePublicRouteTable = "public-rtb"
	defaultRoute             = "0.0.0.0/0"
)

// privateTable is one private route table the spec asks for.
type privateTable struct {
	az        string   // "" for the table all private subnets share
	resource  string   // resource tag
	subnetAZs []string // zones whose private subnet it serves
	natAZ     string   // zone of the NAT gateway its default route goes to; "" for none
}

// privateTables: one shared table (Single, None) or one per zone (PerAZ). The default
// route goes to a NAT gateway only where natAZs has one.
func privateTables(fd *v1alpha1.FlaskDeployment, azs []string) []privateTable {
	nats := natAZs(fd, azs)
	natFor := func(az string) string {
		if slices.Contains(nats, az) {
			return az
		}
		return ""
	}
	if fd.Spec.Network.NATGateways == v1alpha1.NATGatewayPerAZ {
		out := make([]privateTable, 0, len(azs))
		for _, az := range azs {
			out = append(out, privateTable{az: az, resource: "private-rtb-" + az, subnetAZs: []string{az}, natAZ: natFor(az)})
		}
		return out
	}
	t := privateTable{resource: "private-rtb", subnetAZs: azs}
	if len(azs) > 0 {
		t.natAZ = natFor(azs[0])
	}
	return []privateTable{t}
}

// reconcileRouteTables converges the public route table (default route to the internet
// gateway, associated with the public subnets) and the private ones (default route to a
// NAT gateway, associated with the private subnets).
func (p *pass) reconcileRouteTables(ctx context.Context) error {
	st := &p.fd.Status.Network
	id, err := p.reconcileRouteTable(ctx, resourcePublicRouteTable, st.PublicRouteTableID)
	if err != nil {
		return err
	}
	st.PublicRouteTableID = id
	if id != "" {
		if st.InternetGatewayID != "" {
			if err := p.reconcileDefaultRoute(ctx, id, routeTarget{gatewayID: st.InternetGatewayID}, p.fresh[st.InternetGatewayID]); err != nil {
				return err
			}
		}
		if err := p.reconcileAssociations(ctx, id, p.subnetsOf(tierPublic)); err != nil {
			return err
		}
	}

	for _, t := range privateTables(p.fd, p.azs) {
		id, err := p.reconcileRouteTable(ctx, t.resource, privateTableIn(st.PrivateRouteTables, t.az))
		if err != nil {
			return err
		}
		if id == "" {
			continue
		}
		st.PrivateRouteTables = setPrivateTable(st.PrivateRouteTables, p.azs, v1alpha1.RouteTableStatus{ID: id, AvailabilityZone: t.az})
		if t.natAZ == "" {
			if err := p.removeDefaultRoute(ctx, id); err != nil {
				return err
			}
		} else if n := natIn(st.NATGateways, t.natAZ); n.ID != "" && n.State == string(ec2types.NatGatewayStateAvailable) {
			if err := p.reconcileDefaultRoute(ctx, id, routeTarget{natGatewayID: n.ID}, !p.natWasAvailable[n.ID]); err != nil {
				return err
			}
		}
		var subnets []string
		for _, az := range t.subnetAZs {
			if sn := subnetIn(st.PrivateSubnets, az); sn != "" {
				subnets = append(subnets, sn)
			}
		}
		if err := p.reconcileAssociations(ctx, id, subnets); err != nil {
			return err
		}
	}
	return nil
}

// reconcileRouteTable finds or creates one route table; "" under Observe when missing.
func (p *pass) reconcileRouteTable(ctx context.Context, resource, statusID string) (string, error) {
	rt, err := find(p.Owner(), p.inv.routeTables, routeTableID, routeTableTags, statusID, resource)
	if err != nil {
		return "", err
	}
	if rt != nil {
		id := aws.ToString(rt.RouteTableId)
		if err := p.repairTags(ctx, kindRouteTable, id, resource, rt.Tags); err != nil {
			return "", err
		}
		if vpc := aws.ToString(rt.VpcId); vpc != p.fd.Status.Network.VPCID {
			return "", stage.Terminalf(v1alpha1.ReasonOwnershipConflict, "route table %s is in VPC %s, not in this object's VPC %s", id, vpc, p.fd.Status.Network.VPCID)
		}
		return id, nil
	}
	if statusID != "" {
		p.Drift(ctx, "route table %s (%s) no longer exists; creating a new one", statusID, resource)
		p.fd.Status.Network.CreateAttempt++ // the old ClientToken would hand back the deleted table
	}
	if !p.MayWrite(true, "route table %s", resource) {
		return "", nil
	}
	vpc := p.fd.Status.Network.VPCID
	create := func() (*ec2.CreateRouteTableOutput, error) {
		return p.ec2.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{
			VpcId:             aws.String(vpc),
			ClientToken:       aws.String(p.token("rtb/" + resource + "/" + vpc)),
			TagSpecifications: p.tagSpec(ec2types.ResourceTypeRouteTable, resource),
		})
	}
	out, err := create()
	if cloud.IsIdempotencyMismatch(err) {
		// The token was spent on a create with other tags (spec.tags changed since).
		p.fd.Status.Network.CreateAttempt++
		out, err = create()
	}
	if err != nil {
		return "", fmt.Errorf("create route table %s in VPC %s: %w", resource, vpc, err)
	}
	id := aws.ToString(out.RouteTable.RouteTableId)
	if resource == resourcePublicRouteTable {
		p.fd.Status.Network.PublicRouteTableID = id
	} else {
		az := ""
		for _, t := range privateTables(p.fd, p.azs) {
			if t.resource == resource {
				az = t.az
			}
		}
		p.fd.Status.Network.PrivateRouteTables = setPrivateTable(p.fd.Status.Network.PrivateRouteTables, p.azs,
			v1alpha1.RouteTableStatus{ID: id, AvailabilityZone: az})
	}
	p.created(ctx, kindRouteTable, id)
	if err := stage.CheckpointCreated(ctx, "route table "+id); err != nil {
		return "", err
	}
	p.inv.routeTables = append(p.inv.routeTables, *out.RouteTable)
	return id, nil
}

// routeTarget is where a default route goes: an internet gateway or a NAT gateway.
type routeTarget struct {
	gatewayID    string
	natGatewayID string
}

func (t routeTarget) String() string {
	if t.gatewayID != "" {
		return t.gatewayID
	}
	return t.natGatewayID
}

// routeTargetOf is where a route goes now ("" parts for other targets).
func routeTargetOf(r ec2types.Route) string {
	for _, s := range []*string{r.GatewayId, r.NatGatewayId, r.NetworkInterfaceId, r.InstanceId,
		r.TransitGatewayId, r.VpcPeeringConnectionId, r.EgressOnlyInternetGatewayId} {
		if aws.ToString(s) != "" {
			return aws.ToString(s)
		}
	}
	return ""
}

// routeNeedsRepair compares a default route with its target: missing (nil) means create,
// pointing elsewhere or blackholed means replace.
func routeNeedsRepair(r *ec2types.Route, want routeTarget) (create, replace bool) {
	switch {
	case r == nil:
		return true, false
	case routeTargetOf(*r) != want.String(), r.State == ec2types.RouteStateBlackhole:
		return false, true
	}
	return false, false
}

// reconcileDefaultRoute makes 0.0.0.0/0 of a route table go to target. fresh says the
// target is new in this pass, so a missing route is set-up rather than drift.
func (p *pass) reconcileDefaultRoute(ctx context.Context, rtID string, target routeTarget, fresh bool) error {
	rt := p.routeTable(rtID)
	cur := findDefaultRoute(rt)
	create, replace := routeNeedsRepair(cur, target)
	fresh = fresh || p.fresh[rtID]
	switch {
	case create:
		if !fresh && !p.MayWrite(false, "route %s missing in route table %s", defaultRoute, rtID) {
			return nil
		}
		_, err := p.ec2.CreateRoute(ctx, &ec2.CreateRouteInput{
			RouteTableId: aws.String(rtID), DestinationCidrBlock: aws.String(defaultRoute),
			GatewayId: nilIfEmpty(target.gatewayID), NatGatewayId: nilIfEmpty(target.natGatewayID),
		})
		if err != nil && !cloud.IsAlreadyExists(err) {
			return fmt.Errorf("create route %s to %s in route table %s: %w", defaultRoute, target, rtID, err)
		}
		if fresh || !p.Drift(ctx, "route %s was missing in route table %s; added, to %s", defaultRoute, rtID, target) {
			p.changed(ctx, "CreatedRoute", "Create", "RouteTable", rtID, "Created route", fmt.Sprintf("%s to %s in route table %s", defaultRoute, target, rtID),
				"routeTableID", rtID, "destination", defaultRoute, "target", target.String())
		}
	case replace:
		was := routeTargetOf(*cur)
		if was == "" {
			was = "nothing"
		}
		if cur.State == ec2types.RouteStateBlackhole {
			was += " (blackhole)"
		}
		if !fresh && !p.MayWrite(false, "route %s in route table %s goes to %s, not %s", defaultRoute, rtID, was, target) {
			return nil
		}
		if _, err := p.ec2.ReplaceRoute(ctx, &ec2.ReplaceRouteInput{
			RouteTableId: aws.String(rtID), DestinationCidrBlock: aws.String(defaultRoute),
			GatewayId: nilIfEmpty(target.gatewayID), NatGatewayId: nilIfEmpty(target.natGatewayID),
		}); err != nil {
			return fmt.Errorf("replace route %s in route table %s with one to %s: %w", defaultRoute, rtID, target, err)
		}
		if fresh || !p.Drift(ctx, "route %s in route table %s went to %s; pointed back to %s", defaultRoute, rtID, was, target) {
			p.changed(ctx, "ReplacedRoute", "Replace", "RouteTable", rtID, "Replaced route", fmt.Sprintf("%s in route table %s, now to %s (was %s)", defaultRoute, rtID, target, was),
				"routeTableID", rtID, "destination", defaultRoute, "target", target.String(), "previousTarget", was)
		}
	default:
		return nil
	}
	rt.Routes = slices.DeleteFunc(rt.Routes, func(r ec2types.Route) bool { return aws.ToString(r.DestinationCidrBlock) == defaultRoute })
	rt.Routes = append(rt.Routes, ec2types.Route{DestinationCidrBlock: aws.String(defaultRoute),
		GatewayId: nilIfEmpty(target.gatewayID), NatGatewayId: nilIfEmpty(target.natGatewayID), State: ec2types.RouteStateActive})
	return nil
}

// removeDefaultRoute deletes the default route of a private table that should have none
// (natGateways None, or suspended).
func (p *pass) removeDefaultRoute(ctx context.Context, rtID string) error {
	rt := p.routeTable(rtID)
	cur := findDefaultRoute(rt)
	if cur == nil {
		return nil
	}
	target := routeTargetOf(*cur)
	if !p.MayWrite(false, "route %s in route table %s goes to %s; the spec asks for none", defaultRoute, rtID, target) {
		return nil
	}
	if _, err := p.ec2.DeleteRoute(ctx, &ec2.DeleteRouteInput{
		RouteTableId: aws.String(rtID), DestinationCidrBlock: aws.String(defaultRoute),
	}); err != nil && !cloud.IsNotFound(err) {
		return fmt.Errorf("delete route %s from route table %s: %w", defaultRoute, rtID, err)
	}
	// A route to a NAT gateway of ours that is going (suspend, natGateways None) is not drift.
	ours := slices.ContainsFunc(owned(p.Owner(), p.inv.nats, natTags), func(n ec2types.NatGateway) bool { return natID(n) == target })
	if ours || !p.Drift(ctx, "route %s in route table %s went to %s; removed, the spec asks for none", defaultRoute, rtID, target) {
		p.changed(ctx, "DeletedRoute", "Delete", "RouteTable", rtID, "Deleted route", fmt.Sprintf("%s to %s from route table %s", defaultRoute, target, rtID),
			"routeTableID", rtID, "destination", defaultRoute, "target", target)
	}
	rt.Routes = slices.DeleteFunc(rt.Routes, func(r ec2types.Route) bool { return aws.ToString(r.DestinationCidrBlock) == defaultRoute })
	return nil
}

// reconcileAssociations associates each subnet with the route table, moving it from any
// other table it is associated with.
func (p *pass) reconcileAssociations(ctx context.Context, rtID string, subnets []string) error {
	rt := p.routeTable(rtID)
	for _, sn := range subnets {
		if associationOf(*rt, sn) != "" {
			continue
		}
		fresh := p.fresh[rtID] || p.fresh[sn]
		other, assoc := p.ownAssociation(sn)
		if !fresh && other == "" && !p.MayWrite(false, "subnet %s is not associated with route table %s", sn, rtID) {
			continue
		}
		if p.Observing() {
			continue
		}
		if other != "" && !p.MayWrite(false, "subnet %s is associated with route table %s, not %s", sn, other, rtID) {
			continue // a light pass: the full pass it falls back to moves the subnet
		}
		if other == "" {
			out, err := p.ec2.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: aws.String(rtID), SubnetId: aws.String(sn)})
			switch {
			case err == nil:
				assoc = aws.ToString(out.AssociationId)
			case cloud.IsAlreadyExists(err):
				// Associated with a table we do not own: take the subnet over.
				if other, assoc, err = p.foreignAssociation(ctx, sn); err != nil {
					return err
				}
			default:
				return fmt.Errorf("associate subnet %s with route table %s: %w", sn, rtID, err)
			}
		}
		if other != "" {
			out, err := p.ec2.ReplaceRouteTableAssociation(ctx, &ec2.ReplaceRouteTableAssociationInput{
				AssociationId: aws.String(assoc), RouteTableId: aws.String(rtID),
			})
			if err != nil {
				return fmt.Errorf("move subnet %s from route table %s to %s: %w", sn, other, rtID, err)
			}
			if o := p.routeTable(other); o != nil {
				o.Associations = slices.DeleteFunc(o.Associations, func(a ec2types.RouteTableAssociation) bool {
					return aws.ToString(a.SubnetId) == sn
				})
			}
			assoc = aws.ToString(out.NewAssociationId)
		}
		rt = p.routeTable(rtID)
		rt.Associations = append(rt.Associations, ec2types.RouteTableAssociation{
			RouteTableAssociationId: aws.String(assoc), RouteTableId: aws.String(rtID), SubnetId: aws.String(sn),
			Main: aws.Bool(false),
		})
		// Moving a subnet off a table the spec no longer asks for is not drift either.
		moved := other != "" && !p.wantedRouteTable(other)
		if fresh || moved || !p.Drift(ctx, "subnet %s was not associated with route table %s; associated", sn, rtID) {
			detail := fmt.Sprintf("%s with subnet %s", rtID, sn)
			if other != "" {
				detail += " (moved from route table " + other + ")"
			}
			p.changed(ctx, "AssociatedRouteTable", "Associate", "Subnet", sn, "Associated route table", detail,
				"routeTableID", rtID, "subnetID", sn, "associationID", assoc, "previousRouteTableID", other)
		}
	}
	return nil
}

// wantedRouteTable reports whether a route table of the inventory is one the spec asks for.
func (p *pass) wantedRouteTable(id string) bool {
	rt := p.routeTable(id)
	if rt == nil {
		return false
	}
	resource := resourceOf(rt.Tags)
	if resource == resourcePublicRouteTable {
		return true
	}
	for _, t := range privateTables(p.fd, p.azs) {
		if t.resource == resource {
			return true
		}
	}
	return false
}

// ownAssociation finds sn's association with another route table in the inventory.
func (p *pass) ownAssociation(sn string) (rtID, assocID string) {
	for _, rt := range p.inv.routeTables {
		if a := associationOf(rt, sn); a != "" {
			return aws.ToString(rt.RouteTableId), a
		}
	}
	return "", ""
}

// foreignAssociation looks up the association of sn with a route table outside the
// inventory.
func (p *pass) foreignAssociation(ctx context.Context, sn string) (rtID, assocID string, err error) {
	out, err := p.ec2.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{
		Filters: []ec2types.Filter{{Name: aws.String("association.subnet-id"), Values: []string{sn}}},
	})
	if err != nil {
		return "", "", fmt.Errorf("describe the route table of subnet %s: %w", sn, err)
	}
	for _, rt := range out.RouteTables {
		if a := associationOf(rt, sn); a != "" {
			return aws.ToString(rt.RouteTableId), a, nil
		}
	}
	return "", "", fmt.Errorf("subnet %s is associated with a route table that cannot be found", sn)
}

// associationOf is the ID of the association of subnet sn with rt, or "".
func associationOf(rt ec2types.RouteTable, sn string) string {
	for _, a := range rt.Associations {
		if aws.ToString(a.SubnetId) == sn && !aws.ToBool(a.Main) && associated(a) {
			return aws.ToString(a.RouteTableAssociationId)
		}
	}
	return ""
}

func associated(a ec2types.RouteTableAssociation) bool {
	return a.AssociationState == nil || a.AssociationState.State == "" ||
		a.AssociationState.State == ec2types.RouteTableAssociationStateCodeAssociated ||
		a.AssociationState.State == ec2types.RouteTableAssociationStateCodeAssociating
}

// routeTable returns the inventory's copy of a route table (nil when unknown).
func (p *pass) routeTable(id string) *ec2types.RouteTable {
	for i := range p.inv.routeTables {
		if aws.ToString(p.inv.routeTables[i].RouteTableId) == id {
			return &p.inv.routeTables[i]
		}
	}
	return nil
}

func findDefaultRoute(rt *ec2types.RouteTable) *ec2types.Route {
	if rt == nil {
		return nil
	}
	for i := range rt.Routes {
		if aws.ToString(rt.Routes[i].DestinationCidrBlock) == defaultRoute {
			return &rt.Routes[i]
		}
	}
	return nil
}

// pruneRouteTables deletes route tables of ours the spec no longer asks for (after a
// natGateways change), once the subnets have moved to their new tables.
func (p *pass) pruneRouteTables(ctx context.Context) error {
	want := map[string]bool{resourcePublicRouteTable: true}
	for _, t := range privateTables(p.fd, p.azs) {
		want[t.resource] = true
	}
	for _, rt := range owned(p.Owner(), p.inv.routeTables, routeTableTags) {
		if want[resourceOf(rt.Tags)] {
			continue
		}
		id := aws.ToString(rt.RouteTableId)
		if !p.MayWrite(false, "route table %s is not in the spec", id) {
			continue
		}
		if _, err := p.deleteRouteTable(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// deleteRouteTable disassociates a route table from its subnets and deletes it; false
// while AWS reports it still in use.
func (p *pass) deleteRouteTable(ctx context.Context, id string) (bool, error) {
	if err := p.disassociate(ctx, id); err != nil {
		return false, err
	}
	if _, err := p.ec2.DeleteRouteTable(ctx, &ec2.DeleteRouteTableInput{RouteTableId: aws.String(id)}); err != nil {
		switch {
		case cloud.IsNotFound(err):
		case cloud.IsDependencyViolation(err):
			p.WaitFor(v1alpha1.ReasonWaitingForDeletion, deletePollInterval, "route table %s is still in use", id)
			return false, nil
		default:
			return false, fmt.Errorf("delete route table %s: %w", id, err)
		}
	} else {
		p.Deleted(ctx, kindRouteTable, id)
	}
	p.inv.routeTables = slices.DeleteFunc(p.inv.routeTables, func(r ec2types.RouteTable) bool {
		return aws.ToString(r.RouteTableId) == id
	})
	st := &p.fd.Status.Network
	if st.PublicRouteTableID == id {
		st.PublicRouteTableID = ""
	}
	st.PrivateRouteTables = slices.DeleteFunc(st.PrivateRouteTables, func(r v1alpha1.RouteTableStatus) bool { return r.ID == id })
	return true, nil
}

// disassociate removes every subnet association of a route table.
func (p *pass) disassociate(ctx context.Context, id string) error {
	rt := p.routeTable(id)
	if rt == nil {
		return nil
	}
	for _, a := range rt.Associations {
		if aws.ToBool(a.Main) || aws.ToString(a.SubnetId) == "" || !associated(a) {
			continue
		}
		assoc := aws.ToString(a.RouteTableAssociationId)
		sn := aws.ToString(a.SubnetId)
		_, err := p.ec2.DisassociateRouteTable(ctx, &ec2.DisassociateRouteTableInput{AssociationId: aws.String(assoc)})
		switch {
		case cloud.IsNotFound(err):
		case err != nil:
			return fmt.Errorf("disassociate subnet %s from route table %s: %w", sn, id, err)
		default:
			p.changed(ctx, "DisassociatedRouteTable", "Disassociate", "Subnet", sn, "Disassociated route table", fmt.Sprintf("%s from subnet %s", id, sn),
				"routeTableID", id, "subnetID", sn, "associationID", assoc)
		}
	}
	rt.Associations = slices.DeleteFunc(rt.Associations, func(a ec2types.RouteTableAssociation) bool { return !aws.ToBool(a.Main) })
	return nil
}

// deleteRouteTableAssociations is the first delete step: the subnets let go of our tables.
func (p *pass) deleteRouteTableAssociations(ctx context.Context) (bool, error) {
	for _, rt := range owned(p.Owner(), p.inv.routeTables, routeTableTags) {
		if err := p.disassociate(ctx, aws.ToString(rt.RouteTableId)); err != nil {
			return false, err
		}
	}
	return true, nil
}

// deleteRoutes removes the default routes of our tables, before the gateways they use go.
func (p *pass) deleteRoutes(ctx context.Context) (bool, error) {
	for _, rt := range owned(p.Owner(), p.inv.routeTables, routeTableTags) {
		id := aws.ToString(rt.RouteTableId)
		r := findDefaultRoute(&rt)
		if r == nil {
			continue
		}
		target := routeTargetOf(*r)
		_, err := p.ec2.DeleteRoute(ctx, &ec2.DeleteRouteInput{
			RouteTableId: aws.String(id), DestinationCidrBlock: aws.String(defaultRoute),
		})
		switch {
		case cloud.IsNotFound(err):
		case err != nil:
			return false, fmt.Errorf("delete route %s from route table %s: %w", defaultRoute, id, err)
		default:
			p.changed(ctx, "DeletedRoute", "Delete", "RouteTable", id, "Deleted route", fmt.Sprintf("%s to %s from route table %s", defaultRoute, target, id),
				"routeTableID", id, "destination", defaultRoute, "target", target)
		}
		p.routeTable(id).Routes = slices.DeleteFunc(p.routeTable(id).Routes, func(r ec2types.Route) bool {
			return aws.ToString(r.DestinationCidrBlock) == defaultRoute
		})
	}
	return true, nil
}

// deleteRouteTables deletes every route table of ours.
func (p *pass) deleteRouteTables(ctx context.Context) (bool, error) {
	done := true
	for _, rt := range deletable(ctx, p, kindRouteTable, p.inv.routeTables, routeTableID, routeTableTags) {
		ok, err := p.deleteRouteTable(ctx, aws.ToString(rt.RouteTableId))
		if err != nil {
			return false, err
		}
		done = done && ok
	}
	return done, nil
}

// privateTableIn returns the ID of the private route table of az ("" for the shared one).
func privateTableIn(list []v1alpha1.RouteTableStatus, az string) string {
	for _, r := range list {
		if r.AvailabilityZone == az {
			return r.ID
		}
	}
	return ""
}

// setPrivateTable puts r into list, keyed by zone: the shared table first, then zone order.
func setPrivateTable(list []v1alpha1.RouteTableStatus, azs []string, r v1alpha1.RouteTableStatus) []v1alpha1.RouteTableStatus {
	return setByZone(list, append([]string{""}, azs...), r,
		func(e v1alpha1.RouteTableStatus) (string, bool) { return e.AvailabilityZone, e.ID != "" })
}

func nilIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}
