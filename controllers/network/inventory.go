package network

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/cloud"
)

// inventory is what AWS holds of fd's network, read once per pass: one Describe per
// resource type filtered by the ownership tags, plus one by ID for the status IDs the
// filter missed. Those are resources that lost some of their tags: still ours if the tags
// left prove it (the missing ones are put back), someone else's otherwise (OwnershipConflict;
// never mistaken for deleted and built anew).
type inventory struct {
	vpcs        []ec2types.Vpc
	subnets     []ec2types.Subnet
	igws        []ec2types.InternetGateway
	addresses   []ec2types.Address
	nats        []ec2types.NatGateway
	routeTables []ec2types.RouteTable
}

// The largest pages the Describes take (EC2 caps DescribeRouteTables lower), so that an
// object's network, a handful of each type, is read in one call per type.
const (
	maxPage           = 1000
	maxRouteTablePage = 100
)

// load reads the inventory.
func (p *pass) load(ctx context.Context) error {
	for _, load := range []func(context.Context) error{
		p.loadVPCs, p.loadSubnets, p.loadInternetGateways, p.loadAddresses, p.loadNATGateways, p.loadRouteTables,
	} {
		if err := load(ctx); err != nil {
			return err
		}
	}
	return nil
}

func (p *pass) loadVPCs(ctx context.Context) (err error) {
	p.inv.vpcs, err = describe(ctx, p.Filters(""), "vpc-id", namedIn(p.fd.Status.Network).vpcs, vpcID,
		func(ctx context.Context, f []ec2types.Filter) ([]ec2types.Vpc, error) {
			var out []ec2types.Vpc
			pg := ec2.NewDescribeVpcsPaginator(p.ec2, &ec2.DescribeVpcsInput{Filters: f, MaxResults: aws.Int32(maxPage)})
			for pg.HasMorePages() {
				page, err := pg.NextPage(ctx)
				if err != nil {
					return nil, fmt.Errorf("describe VPCs: %w", err)
				}
				out = append(out, page.Vpcs...)
			}
			return out, nil
		})
	return err
}

func (p *pass) loadSubnets(ctx context.Context) (err error) {
	p.inv.subnets, err = describe(ctx, p.Filters(""), "subnet-id", namedIn(p.fd.Status.Network).subnets, subnetID,
		func(ctx context.Context, f []ec2types.Filter) ([]ec2types.Subnet, error) {
			var out []ec2types.Subnet
			pg := ec2.NewDescribeSubnetsPaginator(p.ec2, &ec2.DescribeSubnetsInput{Filters: f, MaxResults: aws.Int32(maxPage)})
			for pg.HasMorePages() {
				page, err := pg.NextPage(ctx)
				if err != nil {
					return nil, fmt.Errorf("describe subnets: %w", err)
				}
				out = append(out, page.Subnets...)
			}
			return out, nil
		})
	return err
}

func (p *pass) loadInternetGateways(ctx context.Context) (err error) {
	p.inv.igws, err = describe(ctx, p.Filters(""), "internet-gateway-id", namedIn(p.fd.Status.Network).igws, igwID,
		func(ctx context.Context, f []ec2types.Filter) ([]ec2types.InternetGateway, error) {
			var out []ec2types.InternetGateway
			pg := ec2.NewDescribeInternetGatewaysPaginator(p.ec2, &ec2.DescribeInternetGatewaysInput{Filters: f, MaxResults: aws.Int32(maxPage)})
			for pg.HasMorePages() {
				page, err := pg.NextPage(ctx)
				if err != nil {
					return nil, fmt.Errorf("describe internet gateways: %w", err)
				}
				out = append(out, page.InternetGateways...)
			}
			return out, nil
		})
	return err
}

func (p *pass) loadAddresses(ctx context.Context) (err error) {
	p.inv.addresses, err = describe(ctx, p.Filters(""), "allocation-id", namedIn(p.fd.Status.Network).eips, allocationID,
		func(ctx context.Context, f []ec2types.Filter) ([]ec2types.Address, error) {
			out, err := p.ec2.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{Filters: f})
			if err != nil {
				return nil, fmt.Errorf("describe Elastic IPs: %w", err)
			}
			return out.Addresses, nil
		})
	return err
}

func (p *pass) loadNATGateways(ctx context.Context) (err error) {
	p.inv.nats, err = describe(ctx, p.Filters(""), "nat-gateway-id", namedIn(p.fd.Status.Network).nats, natID,
		func(ctx context.Context, f []ec2types.Filter) ([]ec2types.NatGateway, error) {
			var out []ec2types.NatGateway
			pg := ec2.NewDescribeNatGatewaysPaginator(p.ec2, &ec2.DescribeNatGatewaysInput{Filter: f, MaxResults: aws.Int32(maxPage)})
			for pg.HasMorePages() {
				page, err := pg.NextPage(ctx)
				if err != nil {
					return nil, fmt.Errorf("describe NAT gateways: %w", err)
				}
				out = append(out, page.NatGateways...)
			}
			return out, nil
		})
	return err
}

func (p *pass) loadRouteTables(ctx context.Context) (err error) {
	p.inv.routeTables, err = describe(ctx, p.Filters(""), "route-table-id", namedIn(p.fd.Status.Network).routeTables, routeTableID,
		func(ctx context.Context, f []ec2types.Filter) ([]ec2types.RouteTable, error) {
			var out []ec2types.RouteTable
			pg := ec2.NewDescribeRouteTablesPaginator(p.ec2, &ec2.DescribeRouteTablesInput{Filters: f, MaxResults: aws.Int32(maxRouteTablePage)})
			for pg.HasMorePages() {
				page, err := pg.NextPage(ctx)
				if err != nil {
					return nil, fmt.Errorf("describe route tables: %w", err)
				}
				out = append(out, page.RouteTables...)
			}
			return out, nil
		})
	return err
}

// describe runs fetch with the owner filters, then once more by ID for the status IDs the
// first call did not return.
func describe[T any](ctx context.Context, owner []ec2types.Filter, idFilter string, statusIDs []string,
	id func(T) string, fetch func(context.Context, []ec2types.Filter) ([]T, error)) ([]T, error) {
	items, err := fetch(ctx, owner)
	if err != nil {
		return nil, err
	}
	var missing []string
	for _, want := range statusIDs {
		if !slices.ContainsFunc(items, func(t T) bool { return id(t) == want }) {
			missing = append(missing, want)
		}
	}
	if len(missing) == 0 {
		return items, nil
	}
	more, err := fetch(ctx, []ec2types.Filter{{Name: aws.String(idFilter), Values: missing}})
	if err != nil {
		return nil, err
	}
	return append(items, more...), nil
}

// statusIDs are the IDs status names, by resource type.
type statusIDs struct {
	vpcs, subnets, igws, eips, nats, routeTables []string
}

func namedIn(st v1alpha1.NetworkStatus) statusIDs {
	ids := statusIDs{vpcs: []string{st.VPCID}, igws: []string{st.InternetGatewayID}, routeTables: []string{st.PublicRouteTableID}}
	for _, s := range slices.Concat(st.PublicSubnets, st.PrivateSubnets) {
		ids.subnets = append(ids.subnets, s.ID)
	}
	for _, n := range st.NATGateways {
		ids.nats, ids.eips = append(ids.nats, n.ID), append(ids.eips, n.AllocationID)
	}
	for _, r := range st.PrivateRouteTables {
		ids.routeTables = append(ids.routeTables, r.ID)
	}
	for _, l := range []*[]string{&ids.vpcs, &ids.subnets, &ids.igws, &ids.eips, &ids.nats, &ids.routeTables} {
		*l = nonEmpty(*l...)
	}
	return ids
}

func nonEmpty(ids ...string) []string {
	var out []string
	for _, id := range ids {
		if id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// ID and tag accessors of the EC2 types, for the generic helpers.
func vpcID(v ec2types.Vpc) string                 { return aws.ToString(v.VpcId) }
func subnetID(s ec2types.Subnet) string           { return aws.ToString(s.SubnetId) }
func igwID(g ec2types.InternetGateway) string     { return aws.ToString(g.InternetGatewayId) }
func allocationID(a ec2types.Address) string      { return aws.ToString(a.AllocationId) }
func natID(n ec2types.NatGateway) string          { return aws.ToString(n.NatGatewayId) }
func routeTableID(r ec2types.RouteTable) string   { return aws.ToString(r.RouteTableId) }
func vpcTags(v ec2types.Vpc) []ec2types.Tag       { return v.Tags }
func subnetTags(s ec2types.Subnet) []ec2types.Tag { return s.Tags }
func igwTags(g ec2types.InternetGateway) []ec2types.Tag {
	return g.Tags
}
func addressTags(a ec2types.Address) []ec2types.Tag       { return a.Tags }
func natTags(n ec2types.NatGateway) []ec2types.Tag        { return n.Tags }
func routeTableTags(r ec2types.RouteTable) []ec2types.Tag { return r.Tags }

// find picks the one item that is resource: the one status names, else the one whose
// resource tag says so among those the ownership filter found. Two such are a conflict the
// stage must not resolve by guessing: it stalls. Whatever find returns still goes through
// the ownership check (Journal.RepairTags) before the pass uses it.
func find[T any](o cloud.Owner, items []T, id func(T) string, tags func(T) []ec2types.Tag,
	statusID, resource string) (*T, error) {
	if statusID != "" {
		for i := range items {
			if id(items[i]) == statusID {
				return &items[i], nil
			}
		}
	}
	var found []*T
	var ids []string
	for i := range items {
		if resourceOf(tags(items[i])) == resource {
			found = append(found, &items[i])
			ids = append(ids, id(items[i]))
		}
	}
	switch len(found) {
	case 0:
		return nil, nil
	case 1:
		return found[0], nil
	default:
		return nil, stage.Terminalf(v1alpha1.ReasonOwnershipConflict,
			"%d resources carry the ownership tags %s and %s=%s: %s; delete the extra ones so that exactly one is left",
			len(found), o.Want(), cloud.TagResource, resource, strings.Join(ids, ", "))
	}
}

// owned returns the items whose tags prove them fd's.
func owned[T any](o cloud.Owner, items []T, tags func(T) []ec2types.Tag) []T {
	var out []T
	for _, it := range items {
		if o.Owns(cloud.FromEC2(tags(it))) {
			out = append(out, it)
		}
	}
	return out
}

// deletable returns the items the pass may delete: those whose tags prove them fd's. The
// others (a former object's of the same name) are left in place, said so in an event.
func deletable[T any](ctx context.Context, p *pass, k stage.Kind, items []T, id func(T) string, tags func(T) []ec2types.Tag) []T {
	var out []T
	for _, it := range items {
		if p.Deletable(ctx, k, id(it), cloud.FromEC2(tags(it))) {
			out = append(out, it)
		}
	}
	return out
}

// resourceOf is the flaskops.io/resource tag value.
func resourceOf(tags []ec2types.Tag) string {
	return cloud.FromEC2(tags)[cloud.TagResource]
}

// repairTags is the ownership check of a resource the pass found, then the repair of its
// tags: what is missing is put back, keys that left spec.tags are taken off.
func (p *pass) repairTags(ctx context.Context, k stage.Kind, id, resource string, have []ec2types.Tag) error {
	return p.RepairTags(ctx, k, id, p.EC2Tags(resource), cloud.FromEC2(have), cloud.EC2Tagger(p.ec2))
}

// checkStatusOwned is the ownership check of every resource status names, before the pass
// writes anything: one that lost fd's ownership tags, or carries another owner's, is an
// OwnershipConflict. It is never adopted, re-tagged or deleted, and working around it (on
// delete, the resources it holds) would fail on it anyway. Under Observe nothing is written
// and each resource's own check (RepairTags) reports it.
func (p *pass) checkStatusOwned(context.Context) error {
	if p.Observing() {
		return nil
	}
	st := namedIn(p.fd.Status.Network)
	return errors.Join(
		checkOwned(p, kindVPC, p.inv.vpcs, vpcID, vpcTags, st.vpcs),
		checkOwned(p, kindSubnet, p.inv.subnets, subnetID, subnetTags, st.subnets),
		checkOwned(p, kindInternetGateway, p.inv.igws, igwID, igwTags, st.igws),
		checkOwned(p, kindRouteTable, p.inv.routeTables, routeTableID, routeTableTags, st.routeTables),
		checkOwned(p, kindNATGateway, p.inv.nats, natID, natTags, st.nats),
		checkOwned(p, kindElasticIP, p.inv.addresses, allocationID, addressTags, st.eips),
	)
}

// checkOwned runs the ownership check on the items with the given IDs.
func checkOwned[T any](p *pass, k stage.Kind, items []T, id func(T) string, tags func(T) []ec2types.Tag, ids []string) error {
	var errs []error
	for _, it := range items {
		if slices.Contains(ids, id(it)) {
			errs = append(errs, p.CheckOwner(k, id(it), cloud.FromEC2(tags(it))))
		}
	}
	return errors.Join(errs...)
}
