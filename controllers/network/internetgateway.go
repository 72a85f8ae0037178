package network

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/cloud"
)

const resourceIGW = "igw"

// reconcileInternetGateway finds or creates the internet gateway and keeps it attached to
// the VPC.
func (p *pass) reconcileInternetGateway(ctx context.Context) error {
	st := &p.fd.Status.Network
	igw, err := find(p.Owner(), p.inv.igws, igwID, igwTags, st.InternetGatewayID, resourceIGW)
	if err != nil {
		return err
	}
	created := false
	if igw == nil {
		if st.InternetGatewayID != "" {
			p.Drift(ctx, "internet gateway %s no longer exists; creating a new one", st.InternetGatewayID)
			st.InternetGatewayID = ""
		}
		if !p.MayWrite(true, "internet gateway") {
			return nil
		}
		if igw, err = p.createInternetGateway(ctx); err != nil {
			return err
		}
		created = true
	}
	id := aws.ToString(igw.InternetGatewayId)
	if !created {
		if err := p.repairTags(ctx, kindInternetGateway, id, resourceIGW, igw.Tags); err != nil {
			return err
		}
	}
	st.InternetGatewayID = id
	attachedTo := attachedVPC(*igw)
	switch {
	case attachedTo == st.VPCID:
		return nil
	case attachedTo != "":
		return stage.Terminalf(v1alpha1.ReasonOwnershipConflict,
			"internet gateway %s is attached to VPC %s, not to this object's VPC %s; detach it", id, attachedTo, st.VPCID)
	}
	if !created && !p.MayWrite(false, "internet gateway %s is detached from VPC %s", id, st.VPCID) {
		return nil
	}
	if _, err := p.ec2.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{
		InternetGatewayId: aws.String(id), VpcId: aws.String(st.VPCID),
	}); err != nil {
		if cloud.IsAlreadyExists(err) {
			return stage.Terminal(v1alpha1.ReasonOwnershipConflict,
				fmt.Errorf("attach internet gateway %s to VPC %s: %w", id, st.VPCID, err))
		}
		return fmt.Errorf("attach internet gateway %s to VPC %s: %w", id, st.VPCID, err)
	}
	igw.Attachments = []ec2types.InternetGatewayAttachment{{VpcId: aws.String(st.VPCID), State: ec2types.AttachmentStatusAttached}}
	if created || !p.Drift(ctx, "internet gateway %s was detached from VPC %s; re-attached", id, st.VPCID) {
		p.changed(ctx, "AttachedInternetGateway", "Attach", "InternetGateway", id, "Attached internet gateway", fmt.Sprintf("%s to VPC %s", id, st.VPCID),
			"internetGatewayID", id, "vpcID", st.VPCID)
	}
	return nil
}

func (p *pass) createInternetGateway(ctx context.Context) (*ec2types.InternetGateway, error) {
	out, err := p.ec2.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{
		TagSpecifications: p.tagSpec(ec2types.ResourceTypeInternetGateway, resourceIGW),
	}, retryThrottledOnly)
	if err != nil {
		return nil, fmt.Errorf("create internet gateway: %w", err)
	}
	id := aws.ToString(out.InternetGateway.InternetGatewayId)
	p.fd.Status.Network.InternetGatewayID = id
	p.created(ctx, kindInternetGateway, id)
	if err := stage.CheckpointCreated(ctx, "internet gateway "+id); err != nil {
		return nil, err
	}
	p.inv.igws = append(p.inv.igws, *out.InternetGateway)
	return &p.inv.igws[len(p.inv.igws)-1], nil
}

// attachedVPC is the VPC an internet gateway is attached (or attaching) to, or "".
func attachedVPC(igw ec2types.InternetGateway) string {
	for _, a := range igw.Attachments {
		switch a.State {
		case ec2types.AttachmentStatusAttached, ec2types.AttachmentStatusAttaching, "available":
			return aws.ToString(a.VpcId)
		}
	}
	return ""
}

// deleteInternetGateway detaches and deletes our internet gateway(s). Detaching waits
// while public addresses are still mapped in the VPC.
func (p *pass) deleteInternetGateway(ctx context.Context) (bool, error) {
	for _, g := range deletable(ctx, p, kindInternetGateway, p.inv.igws, igwID, igwTags) {
		id := aws.ToString(g.InternetGatewayId)
		if vpc := attachedVPC(g); vpc != "" {
			_, err := p.ec2.DetachInternetGateway(ctx, &ec2.DetachInternetGatewayInput{
				InternetGatewayId: aws.String(id), VpcId: aws.String(vpc),
			})
			switch {
			case err == nil:
				p.changed(ctx, "DetachedInternetGateway", "Detach", "InternetGateway", id, "Detached internet gateway", fmt.Sprintf("%s from VPC %s", id, vpc),
					"internetGatewayID", id, "vpcID", vpc)
			case cloud.IsNotFound(err), cloud.IsNotAttached(err):
			case cloud.IsDependencyViolation(err):
				p.WaitFor(v1alpha1.ReasonWaitingForDeletion, deletePollInterval,
					"internet gateway %s cannot be detached yet: public addresses are still mapped in VPC %s", id, vpc)
				return false, nil
			default:
				return false, fmt.Errorf("detach internet gateway %s from VPC %s: %w", id, vpc, err)
			}
		}
		if _, err := p.ec2.DeleteInternetGateway(ctx, &ec2.DeleteInternetGatewayInput{InternetGatewayId: aws.String(id)}); err != nil {
			switch {
			case cloud.IsNotFound(err):
				continue
			case cloud.IsDependencyViolation(err):
				p.WaitFor(v1alpha1.ReasonWaitingForDeletion, deletePollInterval, "internet gateway %s is still in use", id)
				return false, nil
			default:
				return false, fmt.Errorf("delete internet gateway %s: %w", id, err)
			}
		}
		p.Deleted(ctx, kindInternetGateway, id)
	}
	p.fd.Status.Network.InternetGatewayID = ""
	return true, nil
}
