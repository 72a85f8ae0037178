package network

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/cloud"
)

// inventory is what AWS holds of fd's network, read once per pass: one owner-filtered
// Describe per resource type, plus one by ID for status IDs the tag filter missed (a
// resource whose ownership tag was removed is still ours if status names it).
type inventory struct {
	vpcs        []ec2types.Vpc
	subnets     []ec2types.Subnet
	igws        []ec2types.InternetGateway
	addresses   []ec2types.Address
	nats        []ec2types.NatGateway
	routeTables []ec2types.RouteTable
}

// load reads the inventory.
func (p *pass) load(ctx context.Context) error {
	st := p.fd.Status.Network
	owner := cloud.OwnerFilters(p.fd, Name, "")
	var err error

	p.inv.vpcs, err = describe(ctx, owner, "vpc-id", nonEmpty(st.VPCID), vpcID,
		func(ctx context.Context, f []ec2types.Filter) ([]ec2types.Vpc, error) {
			var out []ec2types.Vpc
			pg := ec2.NewDescribeVpcsPaginator(p.ec2, &ec2.DescribeVpcsInput{Filters: f})
			for pg.HasMorePages() {
				page, err := pg.NextPage(ctx)
				if err != nil {
					return nil, fmt.Errorf("describe VPCs: %w", err)
				}
				out = append(out, page.Vpcs...)
			}
			return out, nil
		})
	if err != nil {
		return err
	}

	var subnetIDs []string
	for _, sn := range slices.Concat(st.PublicSubnets, st.PrivateSubnets) {
		subnetIDs = append(subnetIDs, sn.ID)
	}
	p.inv.subnets, err = describe(ctx, owner, "subnet-id", nonEmpty(subnetIDs...), subnetID,
		func(ctx context.Context, f []ec2types.Filter) ([]ec2types.Subnet, error) {
			var out []ec2types.Subnet
			pg := ec2.NewDescribeSubnetsPaginator(p.ec2, &ec2.DescribeSubnetsInput{Filters: f})
			for pg.HasMorePages() {
				page, err := pg.NextPage(ctx)
				if err != nil {
					return nil, fmt.Errorf("describe subnets: %w", err)
				}
				out = append(out, page.Subnets...)
			}
			return out, nil
		})
	if err != nil {
		return err
	}

	p.inv.igws, err = describe(ctx, owner, "internet-gateway-id", nonEmpty(st.InternetGatewayID), igwID,
		func(ctx context.Context, f []ec2types.Filter) ([]ec2types.InternetGateway, error) {
			var out []ec2types.InternetGateway
			pg := ec2.NewDescribeInternetGatewaysPaginator(p.ec2, &ec2.DescribeInternetGatewaysInput{Filters: f})
			for pg.HasMorePages() {
				page, err := pg.NextPage(ctx)
				if err != nil {
					return nil, fmt.Errorf("describe internet gateways: %w", err)
				}
				out = append(out, page.InternetGateways...)
			}
			return out, nil
		})
	if err != nil {
		return err
	}

	var allocIDs, natIDs []string
	for _, n := range st.NATGateways {
		allocIDs = append(allocIDs, n.AllocationID)
		natIDs = append(natIDs, n.ID)
	}
	p.inv.addresses, err = describe(ctx, owner, "allocation-id", nonEmpty(allocIDs...), allocationID,
		func(ctx context.Context, f []ec2types.Filter) ([]ec2types.Address, error) {
			out, err := p.ec2.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{Filters: f})
			if err != nil {
				return nil, fmt.Errorf("describe Elastic IPs: %w", err)
			}
			return out.Addresses, nil
		})
	if err != nil {
		return err
	}

	p.inv.nats, err = describe(ctx, owner, "nat-gateway-id", nonEmpty(natIDs...), natID,
		func(ctx context.Context, f []ec2types.Filter) ([]ec2types.NatGateway, error) {
			var out []ec2types.NatGateway
			pg := ec2.NewDescribeNatGatewaysPaginator(p.ec2, &ec2.DescribeNatGatewaysInput{Filter: f})
			for pg.HasMorePages() {
				page, err := pg.NextPage(ctx)
				if err != nil {
					return nil, fmt.Errorf("describe NAT gateways: %w", err)
				}
				out = append(out, page.NatGateways...)
			}
			return out, nil
		})
	if err != nil {
		return err
	}

	rtbIDs := []string{st.PublicRouteTableID}
	for _, rt := range st.PrivateRouteTables {
		rtbIDs = append(rtbIDs, rt.ID)
	}
	p.inv.routeTables, err = describe(ctx, owner, "route-table-id", nonEmpty(rtbIDs...), routeTableID,
		func(ctx context.Context, f []ec2types.Filter) ([]ec2types.RouteTable, error) {
			var out []ec2types.RouteTable
			pg := ec2.NewDescribeRouteTablesPaginator(p.ec2, &ec2.DescribeRouteTablesInput{Filters: f})
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
// owner and resource tags say so. Two tagged matches are a conflict the stage must not
// resolve by guessing: it stalls.
func find[T any](fd *v1alpha1.FlaskDeployment, items []T, id func(T) string, tags func(T) []ec2types.Tag,
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
		t := cloud.FromEC2(tags(items[i]))
		if cloud.IsOwned(t, fd) && t[cloud.TagResource] == resource {
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
		return nil, stage.Terminalf(ReasonOwnershipConflict,
			"%d resources are tagged %s=%s and %s=%s: %s; delete the extra ones so that exactly one is left",
			len(found), cloud.TagOwner, cloud.Owner(fd), cloud.TagResource, resource, strings.Join(ids, ", "))
	}
}

// owned returns the items that carry fd's owner tag.
func owned[T any](fd *v1alpha1.FlaskDeployment, items []T, tags func(T) []ec2types.Tag) []T {
	var out []T
	for _, it := range items {
		if cloud.IsOwned(cloud.FromEC2(tags(it)), fd) {
			out = append(out, it)
		}
	}
	return out
}

// resourceOf is the flaskops.io/resource tag value.
func resourceOf(tags []ec2types.Tag) string {
	return cloud.FromEC2(tags)[cloud.TagResource]
}

// reconcileTags puts back the tags a resource should carry and does not (an ownership
// tag removed, a Name changed, a spec tag added), and takes off the ones the user removed
// from spec.tags.
func (p *pass) reconcileTags(ctx context.Context, kind, id, resource string, have []ec2types.Tag) error {
	if err := p.removeTags(ctx, kind, id, cloud.FromEC2(have)); err != nil {
		return err
	}
	missing := cloud.MissingTags(cloud.EC2Tags(p.fd, Name, resource), cloud.FromEC2(have))
	if len(missing) == 0 {
		return nil
	}
	keys := make([]string, 0, len(missing))
	for k := range missing {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if !p.MayWrite(false, "tags %s missing on %s %s", strings.Join(keys, ", "), kind, id) {
		return nil
	}
	if _, err := p.ec2.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{id}, Tags: cloud.ToEC2(missing)}); err != nil {
		return fmt.Errorf("tag %s %s: %w", kind, id, err)
	}
	p.Drift(ctx, "tags %s restored on %s %s", strings.Join(keys, ", "), kind, id)
	return nil
}

// removeTags deletes the user tags that left spec.tags: a spec change, not drift.
func (p *pass) removeTags(ctx context.Context, kind, id string, have map[string]string) error {
	removed := cloud.RemovedTags(p.fd, have)
	if len(removed) == 0 || !p.MayWrite(false, "tags %s removed from spec.tags are still on %s %s", strings.Join(removed, ", "), kind, id) {
		return nil
	}
	tags := make([]ec2types.Tag, 0, len(removed))
	for _, k := range removed {
		tags = append(tags, ec2types.Tag{Key: aws.String(k)})
	}
	if _, err := p.ec2.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: []string{id}, Tags: tags}); err != nil {
		return fmt.Errorf("remove tags %s from %s %s: %w", strings.Join(removed, ", "), kind, id, err)
	}
	log.FromContext(ctx).Info("Removed tags no longer in spec.tags", "resource", id, "keys", removed)
	return nil
}
