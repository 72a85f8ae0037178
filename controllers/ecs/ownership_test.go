package ecs_test

import (
	"context"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/cloud"
)

// takeover is one of the stage's resources as the takeover test handles it.
type takeover struct {
	resource string
	// tagger and id are how the test changes its tags: id is what the tagger takes, and
	// what the conflict must name.
	tagger func(r *rig) cloud.Tagger
	id     func(r *rig, fd *v1alpha1.FlaskDeployment) string
	// live is its service/type and ID in the simulator's inventory.
	live func(fd *v1alpha1.FlaskDeployment) (string, string)
	// blocksDelete: one of fd's resources cannot be deleted while it exists, so the
	// stage's Delete ends DeletionBlocked naming it instead of finishing.
	blocksDelete bool
}

func takeovers() []takeover {
	elb := func(r *rig) cloud.Tagger { return cloud.ELBTagger(r.clients.ELBv2(region)) }
	ecsT := func(r *rig) cloud.Tagger { return cloud.ECSTagger(r.clients.ECS(region)) }
	ec2T := func(r *rig) cloud.Tagger { return cloud.EC2Tagger(r.clients.EC2(region)) }
	st := func(fd *v1alpha1.FlaskDeployment) v1alpha1.ServiceStatus { return fd.Status.Service }
	return []takeover{
		{
			resource: "execution role",
			tagger:   func(r *rig) cloud.Tagger { return cloud.IAMRoleTagger(r.clients.IAM(region)) },
			id:       func(_ *rig, fd *v1alpha1.FlaskDeployment) string { return roleName(fd) },
			live:     func(fd *v1alpha1.FlaskDeployment) (string, string) { return "iam/role", roleName(fd) },
		},
		{
			resource: "log group",
			tagger:   func(r *rig) cloud.Tagger { return cloud.LogsTagger(r.clients.Logs(region)) },
			id:       func(r *rig, fd *v1alpha1.FlaskDeployment) string { return r.logGroupARN(fd) },
			live:     func(fd *v1alpha1.FlaskDeployment) (string, string) { return "logs/log-group", logGroup(fd) },
		},
		{
			resource: "load balancer security group",
			tagger:   ec2T,
			id:       func(_ *rig, fd *v1alpha1.FlaskDeployment) string { return st(fd).LoadBalancerSecurityGroupID },
			live: func(fd *v1alpha1.FlaskDeployment) (string, string) {
				return "ec2/security-group", st(fd).LoadBalancerSecurityGroupID
			},
		},
		{
			// It admits the load balancer's group, which AWS then does not delete.
			resource: "tasks security group",
			tagger:   ec2T,
			id:       func(_ *rig, fd *v1alpha1.FlaskDeployment) string { return st(fd).ServiceSecurityGroupID },
			live: func(fd *v1alpha1.FlaskDeployment) (string, string) {
				return "ec2/security-group", st(fd).ServiceSecurityGroupID
			},
			blocksDelete: true,
		},
		{
			// It uses the load balancer's security group.
			resource: "load balancer",
			tagger:   elb,
			id:       func(_ *rig, fd *v1alpha1.FlaskDeployment) string { return st(fd).LoadBalancerARN },
			live: func(fd *v1alpha1.FlaskDeployment) (string, string) {
				return "elasticloadbalancing/loadbalancer", st(fd).LoadBalancerARN
			},
			blocksDelete: true,
		},
		{
			resource: "target group",
			tagger:   elb,
			id:       func(_ *rig, fd *v1alpha1.FlaskDeployment) string { return st(fd).TargetGroupARN },
			live: func(fd *v1alpha1.FlaskDeployment) (string, string) {
				return "elasticloadbalancing/targetgroup", st(fd).TargetGroupARN
			},
		},
		{
			resource: "ECS cluster",
			tagger:   ecsT,
			id:       func(_ *rig, fd *v1alpha1.FlaskDeployment) string { return st(fd).ClusterARN },
			live:     func(fd *v1alpha1.FlaskDeployment) (string, string) { return "ecs/cluster", ecsName(fd, "cluster") },
		},
		{
			// It holds fd's cluster, which AWS then does not delete.
			resource: "ECS service",
			tagger:   ecsT,
			id:       func(_ *rig, fd *v1alpha1.FlaskDeployment) string { return st(fd).ServiceARN },
			live: func(fd *v1alpha1.FlaskDeployment) (string, string) {
				return "ecs/service", ecsName(fd, "cluster") + "/" + ecsName(fd, "service")
			},
			blocksDelete: true,
		},
	}
}

// A resource of the stage that is no longer provably fd's (its owner tag removed, or its
// cluster tag set to another manager's) is someone else's from then on, whatever status
// records: the pass stalls with OwnershipConflict naming it and writes nothing to it,
// and Delete leaves it in place.
func TestTakenOverResourceIsNeverWrittenOrDeleted(t *testing.T) {
	tamperings := []struct {
		name   string
		tamper func(ctx context.Context, t cloud.Tagger, id string) error
	}{
		{"owner tag removed", func(ctx context.Context, t cloud.Tagger, id string) error {
			return t.RemoveTags(ctx, id, []string{cloud.TagOwner})
		}},
		{"cluster tag set to another manager's", func(ctx context.Context, t cloud.Tagger, id string) error {
			return t.AddTags(ctx, id, map[string]string{cloud.TagCluster: "other"})
		}},
	}
	for _, tt := range takeovers() {
		for _, how := range tamperings {
			t.Run(tt.resource+", "+how.name, func(t *testing.T) {
				fd := newFD("shop", "web")
				r := converged(t, fd)
				if w := writes(r, func() {
					if _, err := r.pass(fd); err != nil {
						t.Fatalf("pass over the converged stage: %v", err)
					}
				}); len(w) != 0 {
					t.Fatalf("a pass over the converged stage wrote %v: the test could not tell writes to the taken-over resource apart", w)
				}

				id := tt.id(r, fd)
				if err := how.tamper(bg, tt.tagger(r), id); err != nil {
					t.Fatalf("tamper with %s %s: %v", tt.resource, id, err)
				}
				typ, liveID := tt.live(fd)
				tags := r.liveTags(typ, liveID)
				if tags == nil || owner(fd).Owns(tags) {
					t.Fatalf("%s %s after tampering: tags %v", tt.resource, liveID, tags)
				}

				var err error
				w := writes(r, func() { _, err = r.pass(fd) })
				term, ok := stage.AsTerminal(err)
				if !ok || term.Reason != v1alpha1.ReasonOwnershipConflict || !strings.Contains(err.Error(), id) {
					t.Fatalf("pass = %v, want a terminal %s naming %s", err, v1alpha1.ReasonOwnershipConflict, id)
				}
				if len(w) != 0 {
					t.Errorf("the stalled pass wrote %v", w)
				}

				tagging := map[string]int{}
				w = writes(r, func() { err = r.deleteUntilDoneOrStuck(fd) })
				for op, n := range w {
					if isTagging(op) {
						tagging[op] = n
					}
				}
				if len(tagging) != 0 {
					t.Errorf("delete tagged or untagged resources: %v", tagging)
				}
				if got := r.liveTags(typ, liveID); got == nil {
					t.Errorf("delete deleted %s %s", tt.resource, liveID)
				} else if !maps.Equal(got, tags) {
					t.Errorf("after delete, %s %s has tags %v, want them left as they were (%v)", tt.resource, liveID, got, tags)
				}
				if tt.blocksDelete {
					term, ok := stage.AsTerminal(err)
					if !ok || term.Reason != v1alpha1.ReasonDeletionBlocked || !strings.Contains(err.Error(), id) {
						t.Errorf("delete = %v, want a terminal %s naming %s", err, v1alpha1.ReasonDeletionBlocked, id)
					}
					return
				}
				if err != nil {
					t.Fatalf("delete: %v", err)
				}
				if left := r.owned(fd); len(left) != 0 {
					t.Errorf("left of fd's after delete: %v", left)
				}
			})
		}
	}
}

// writes runs f and returns the AWS calls it made that are not reads, by service:operation.
func writes(r *rig, f func()) map[string]int {
	before := r.sim.Calls()
	f()
	out := map[string]int{}
	for op, n := range r.sim.Calls() {
		if n > before[op] && !isRead(op) {
			out[op] = n - before[op]
		}
	}
	return out
}

func isRead(op string) bool {
	_, name, _ := strings.Cut(op, ":")
	for _, p := range []string{"Describe", "List", "Get"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

func isTagging(op string) bool {
	_, name, _ := strings.Cut(op, ":")
	switch name {
	case "TagResource", "UntagResource", "TagRole", "UntagRole", "AddTags", "RemoveTags", "CreateTags", "DeleteTags":
		return true
	}
	return false
}

// deleteUntilDoneOrStuck runs Delete until Done, moving the clock over AWS's delays, and
// returns the error that stopped it.
func (r *rig) deleteUntilDoneOrStuck(fd *v1alpha1.FlaskDeployment) error {
	r.t.Helper()
	for range 40 {
		res, err := r.stage.Delete(bg, fd)
		if err != nil || res.Done {
			return err
		}
		r.clock.Advance(time.Minute)
	}
	r.t.Fatalf("service not deleted after 40 passes")
	return nil
}

// liveTags are the tags of a live resource of the simulator's inventory; nil when it is gone.
func (r *rig) liveTags(typ, id string) map[string]string {
	for _, res := range r.sim.ListLive() {
		if res.Service+"/"+res.Type == typ && res.ID == id {
			return res.Tags
		}
	}
	return nil
}

// logGroupARN is the ARN the logs tagging calls take.
func (r *rig) logGroupARN(fd *v1alpha1.FlaskDeployment) string {
	r.t.Helper()
	out, err := r.clients.Logs(region).DescribeLogGroups(bg, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String(logGroup(fd))})
	if err != nil || len(out.LogGroups) != 1 {
		r.t.Fatalf("describe log group %s: %v", logGroup(fd), err)
	}
	return aws.ToString(out.LogGroups[0].LogGroupArn)
}

// A resource someone else made under one of fd's names, before the stage ever ran, is
// found by that name and never adopted: the first pass stalls naming it, and Delete leaves
// it in place.
func TestForeignResourceOfOurNameIsNeverAdopted(t *testing.T) {
	otherTeam := map[string]string{"team": "other"}
	for _, tt := range []struct {
		resource string
		// create makes it, tagged as someone else's, and returns what the conflict must name.
		create func(r *rig, fd *v1alpha1.FlaskDeployment) (string, error)
		live   func(fd *v1alpha1.FlaskDeployment, id string) (string, string)
	}{
		{"execution role", func(r *rig, fd *v1alpha1.FlaskDeployment) (string, error) {
			_, err := r.clients.IAM(region).CreateRole(bg, &iam.CreateRoleInput{RoleName: aws.String(roleName(fd)),
				Path: aws.String("/flaskops/"), AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[]}`),
				Tags: cloud.ToIAM(otherTeam)})
			return roleName(fd), err
		}, func(fd *v1alpha1.FlaskDeployment, _ string) (string, string) { return "iam/role", roleName(fd) }},
		{"log group", func(r *rig, fd *v1alpha1.FlaskDeployment) (string, error) {
			_, err := r.clients.Logs(region).CreateLogGroup(bg, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(logGroup(fd)), Tags: otherTeam})
			return logGroup(fd), err
		}, func(fd *v1alpha1.FlaskDeployment, _ string) (string, string) { return "logs/log-group", logGroup(fd) }},
		{"security group", func(r *rig, fd *v1alpha1.FlaskDeployment) (string, error) {
			out, err := r.clients.EC2(region).CreateSecurityGroup(bg, &ec2.CreateSecurityGroupInput{
				GroupName: aws.String(owner(fd).Name(cloud.SecurityGroupName, "alb")), Description: aws.String("another team"),
				VpcId: aws.String(fd.Status.Network.VPCID), TagSpecifications: cloud.EC2TagSpec(ec2types.ResourceTypeSecurityGroup, otherTeam)})
			if err != nil {
				return "", err
			}
			return aws.ToString(out.GroupId), nil
		}, func(_ *v1alpha1.FlaskDeployment, id string) (string, string) { return "ec2/security-group", id }},
		{"ECS cluster", func(r *rig, fd *v1alpha1.FlaskDeployment) (string, error) {
			_, err := r.clients.ECS(region).CreateCluster(bg, &ecs.CreateClusterInput{ClusterName: aws.String(ecsName(fd, "cluster")), Tags: cloud.ToECS(otherTeam)})
			return ecsName(fd, "cluster"), err
		}, func(fd *v1alpha1.FlaskDeployment, _ string) (string, string) {
			return "ecs/cluster", ecsName(fd, "cluster")
		}},
	} {
		t.Run(tt.resource, func(t *testing.T) {
			r := newRig(t)
			fd := newFD("shop", "web")
			r.buildNetwork(fd)
			id, err := tt.create(r, fd)
			if err != nil {
				t.Fatalf("create someone else's %s: %v", tt.resource, err)
			}
			typ, liveID := tt.live(fd, id)
			var passErr error
			for range 10 {
				if _, passErr = r.pass(fd); passErr != nil {
					break
				}
				r.clock.Advance(time.Minute)
			}
			term, ok := stage.AsTerminal(passErr)
			if !ok || term.Reason != v1alpha1.ReasonOwnershipConflict || !strings.Contains(passErr.Error(), id) {
				t.Fatalf("passes = %v, want a terminal %s naming %s", passErr, v1alpha1.ReasonOwnershipConflict, id)
			}
			tags := r.liveTags(typ, liveID)
			if err := r.deleteUntilDoneOrStuck(fd); err != nil {
				t.Fatalf("delete: %v", err)
			}
			if got := r.liveTags(typ, liveID); got == nil || !maps.Equal(got, tags) {
				t.Errorf("after delete, %s %s has tags %v, want it left as it was (%v)", tt.resource, liveID, got, tags)
			}
			if left := r.owned(fd); len(left) != 0 {
				t.Errorf("left of fd's after delete: %v", left)
			}
		})
	}
}
