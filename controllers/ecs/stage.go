// Package ecs is the stage that runs a FlaskDeployment's container (the seed's ECS stack):
// the task execution role, the log group, the load balancer's and the tasks' security
// groups, the Application Load Balancer with its target group and listener, the ECS
// cluster, the task definition, the Fargate service and its autoscaling.
//
// It reads what it needs from the other stages through status only: the VPC and subnets
// (status.network) and the repository URI (status.repository). Until the network has its
// subnets the stage waits; it never imports another stage.
//
// Every pass walks a checklist. Each resource is found by the ID or ARN in status, then by
// its deterministic name (every name comes from the Owner), and created only on a confirmed
// miss, tagged at creation; its ID is checkpointed before anything depends on it. Whatever
// is found passes the ownership check before anything is written to it: status is a cache
// of IDs, only the tags prove a resource ours, and one that is not ours is never adopted,
// changed or deleted. One exception: a task definition revision the pipeline's deploy
// registered, which may carry no tags, is adopted when fd's service proves it fd's
// (deployedByPipeline), and one the service no longer runs is pruned and deleted when it
// runs with fd's execution role, which of the identities the operator manages only fd's
// pipeline may pass (copiedByPipeline).
// Mutable settings and tags are then repaired, each repair noted in status.drift.
//
// The image: spec.service.image when set. When it is empty the pipeline owns the image, so
// the stage keeps the image the service runs now (a deployed image is not drift), and before
// the first deployment takes the repository's latest image; with no image at all it waits.
//
// The service is ready when the app answers: the load balancer is active, the primary
// deployment COMPLETED with every task running, and every registered target healthy. A
// rollout the deployment circuit breaker stops is recorded in status and not deployed
// again until the spec changes (DeploymentFailed); the service keeps the previous revision.
// A new task definition revision is registered only when the container changes; older
// ones are deregistered down to the one before the current, and all are deleted with the
// object. The stage reads the spec as the API server defaulted it and repeats none of the
// API's defaults.
package ecs

import (
	"context"
	"fmt"
	"time"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"k8s.io/client-go/tools/events"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/cloud"
)

// Name is the stage's name: log key, tag value and event prefix.
const Name = "ecs"

// Requeue intervals. The rollout is the last wait before Ready, and the one a user
// watches: it is polled more often (two reads a pass, for a few minutes).
const (
	networkPollInterval      = 10 * time.Second
	imagePollInterval        = 30 * time.Second
	loadBalancerPollInterval = 15 * time.Second
	deploymentPollInterval   = 5 * time.Second
	deletePollInterval       = 10 * time.Second
	observeInterval          = time.Minute
)

// Clients are the SDK clients of one region the stage calls.
type Clients struct {
	EC2         cloud.ServiceEC2
	ELB         cloud.ELBv2API
	ECS         cloud.ECSAPI
	ECR         cloud.ECRAPI
	IAM         cloud.IAMAPI
	Logs        cloud.LogsAPI
	AutoScaling cloud.AutoScalingAPI
}

// Stage converges the container side of a FlaskDeployment.
type Stage struct {
	clients  func(region string) Clients
	recorder events.EventRecorder
	cluster  string
	// roleBoundary is the permissions boundary of the roles the stage creates ("" none).
	roleBoundary string
}

var _ stage.Stage = (*Stage)(nil)

// New returns the ecs stage of the manager of cluster (its --cluster-name, in every
// ownership tag and name). clients hands out the SDK clients of a region.
func New(clients func(region string) Clients, recorder events.EventRecorder, cluster string) *Stage {
	return &Stage{clients: clients, recorder: recorder, cluster: cluster}
}

// WithRoleBoundary makes the stage create its IAM roles with the permissions boundary
// arn: the operator's own policy lets it create roles only with that boundary.
func (s *Stage) WithRoleBoundary(arn string) *Stage {
	s.roleBoundary = arn
	return s
}

// Name implements stage.Stage.
func (s *Stage) Name() string { return Name }

// Condition implements stage.Stage.
func (s *Stage) Condition() string { return v1alpha1.ConditionServiceReady }

// Reconcile converges the service toward fd.Spec.Service. It never waits on AWS: a
// provisioning load balancer or a rolling deployment is a Waiting result.
func (s *Stage) Reconcile(ctx context.Context, fd *v1alpha1.FlaskDeployment) (stage.Result, error) {
	p := s.newPass(fd)
	defer p.ReportRepairs()
	if !p.networkReady() {
		p.WaitFor(v1alpha1.ReasonWaitingForNetwork, networkPollInterval, "waiting for the network's VPC and subnets")
		return p.result(), nil
	}
	// A light pass reads the log group, both security groups, the load balancer with its
	// attributes and listeners, the service with its targets' health, and with autoscaling
	// the scalable target: what is changed by hand most, and what takes the app down.
	if err := p.Run(ctx,
		p.needIDs,
		stage.FullOnly(p.reconcileExecutionRole),
		p.reconcileLogGroup,
		p.reconcileSecurityGroups,
		p.reconcileLoadBalancer,
		stage.FullOnly(p.reconcileTargetGroup),
		p.reconcileListeners,
		stage.FullOnly(p.reconcileCluster),
		stage.FullOnly(p.reconcileTaskDefinition),
		p.reconcileService,
		stage.FullOnly(p.retireTargetGroup),
		p.reconcileAutoscaling,
		p.reportRollout,
	); err != nil {
		return stage.Result{}, err
	}
	return p.result(), nil
}

// Delete removes, in dependency order, every resource of the stage that its tags prove
// fd's; anything else is left in place. AWS's own delays (a draining service, a deleting
// load balancer's interfaces) are waits, not errors; a resource of someone else's that
// holds one of ours is DeletionBlocked.
func (s *Stage) Delete(ctx context.Context, fd *v1alpha1.FlaskDeployment) (stage.Result, error) {
	p := s.newPass(fd)
	done, err := stage.RunDelete(ctx,
		p.deleteAutoscaling,
		p.deleteService,
		p.deleteListener,
		p.deleteLoadBalancer,
		p.deleteTargetGroup,
		p.deleteSecurityGroups,
		p.deleteCluster,
		p.deleteTaskDefinitions,
		p.deleteLogGroup,
		p.deleteExecutionRole,
	)
	switch {
	case err != nil:
		return stage.Result{}, err
	case !done:
		if r, ok := p.Unfinished(deletePollInterval, ""); ok {
			return r, nil
		}
		return stage.Waiting(v1alpha1.ReasonWaitingForDeletion, deletePollInterval, "deleting the service's resources"), nil
	}
	fd.Status.Service = v1alpha1.ServiceStatus{}
	fd.Status.DeployedRevision = nil
	return stage.Ready("service deleted"), nil
}

// pass is the state of one Reconcile or Delete.
type pass struct {
	*Stage
	*stage.Journal
	Clients
	fd *v1alpha1.FlaskDeployment

	// service is the ECS service as read once in this pass (nil: none), shared by the task
	// definition step (the running image) and the service step.
	service     *ecstypes.Service
	serviceRead bool
	// elbTags are the tags of the ELBv2 resources read in this pass, by ARN.
	elbTags map[string]map[string]string
	// taskDefs are the task definitions described in this pass, by the reference asked.
	taskDefs map[string]revisionFound
	// failed is the terminal error of a failed rollout, reported once every step ran.
	failed error
	// retry: the spec changed since the revision it asks for failed to roll out, so that
	// revision is deployed again.
	retry bool
	// servingPrevious: the listener still sends the traffic to the target group being
	// replaced, so the service stays registered in it too.
	servingPrevious bool
	// ownRoleARN is fd's task execution role's ARN when its tags prove it fd's ("": not),
	// read at most once a pass (nil: not yet).
	ownRoleARN *string
}

func (s *Stage) newPass(fd *v1alpha1.FlaskDeployment) *pass {
	return &pass{
		Stage:    s,
		Journal:  stage.NewJournal(s, fd, s.recorder, s.cluster),
		Clients:  s.clients(stage.Region(fd)),
		fd:       fd,
		elbTags:  map[string]map[string]string{},
		taskDefs: map[string]revisionFound{},
	}
}

// needIDs sends a light pass to a full one when status lacks an ID the light checks work
// from, or a target group is being replaced.
func (p *pass) needIDs(context.Context) error {
	st := p.fd.Status.Service
	p.NeedIDs("task execution role", st.ExecutionRoleARN, "log group", st.LogGroupName,
		"load balancer security group", st.LoadBalancerSecurityGroupID, "tasks security group", st.ServiceSecurityGroupID,
		"target group", st.TargetGroupARN, "ECS cluster", st.ClusterARN, "task definition", st.TaskDefinitionARN,
		"ECS service", st.ServiceARN)
	if !p.fd.Spec.Suspend {
		for _, w := range p.wantListeners() {
			p.NeedIDs("listener "+w.String(), *w.arn)
		}
		p.NeedIDs("load balancer", st.LoadBalancerARN)
	}
	if st.PreviousTargetGroupARN != "" {
		p.NeedFull("target group %s is being replaced", st.PreviousTargetGroupARN)
	}
	return nil
}

// networkReady reports whether the network stage has written what the service is placed
// in: the VPC and a public and private subnet in at least two zones.
func (p *pass) networkReady() bool {
	n := p.fd.Status.Network
	return n.VPCID != "" && len(n.PublicSubnets) >= 2 && len(n.PrivateSubnets) >= 1
}

// result turns what the pass found into the stage's Result.
func (p *pass) result() stage.Result {
	if r, ok := p.Unfinished(observeInterval, "service "+p.fd.Status.Service.ServiceARN+" found"); ok {
		return r
	}
	st := p.fd.Status.Service
	if p.fd.Spec.Suspend {
		return stage.Result{Done: true, Reason: v1alpha1.ReasonSuspended,
			Message: "suspended: service scaled to zero, load balancer deleted; cluster, task definition and logs kept"}
	}
	return stage.Ready(fmt.Sprintf("service %s: %d task(s) running behind %s", p.serviceName(), st.RunningCount, URL(p.fd)))
}

// URL is where fd's app answers: https://<load balancer DNS name> with a certificate, else
// http:// with the listener's port unless it is 80; "" without a load balancer.
func URL(fd *v1alpha1.FlaskDeployment) string {
	dns, lb := fd.Status.Service.LoadBalancerDNS, fd.Spec.Service.LoadBalancer
	switch {
	case dns == "":
		return ""
	case lb.CertificateARN != "":
		return "https://" + dns
	case lb.Port != 80:
		return fmt.Sprintf("http://%s:%d", dns, lb.Port)
	}
	return "http://" + dns
}

// The kinds of AWS resource the stage creates and deletes.
var (
	kindExecutionRole  = stage.Kind{Name: "task execution role", Reason: "ExecutionRole", IDKey: "roleName"}
	kindLogGroup       = stage.Kind{Name: "log group", Reason: "LogGroup", IDKey: "logGroup"}
	kindSecurityGroup  = stage.Kind{Name: "security group", Reason: "SecurityGroup", IDKey: "securityGroupID"}
	kindLoadBalancer   = stage.Kind{Name: "load balancer", Reason: "LoadBalancer", IDKey: "loadBalancerARN"}
	kindTargetGroup    = stage.Kind{Name: "target group", Reason: "TargetGroup", IDKey: "targetGroupARN"}
	kindListener       = stage.Kind{Name: "listener", Reason: "Listener", IDKey: "listenerARN"}
	kindCluster        = stage.Kind{Name: "ECS cluster", Reason: "Cluster", IDKey: "clusterARN"}
	kindTaskDefinition = stage.Kind{Name: "task definition", Reason: "TaskDefinition", IDKey: "taskDefinitionARN"}
	kindService        = stage.Kind{Name: "ECS service", Reason: "Service", IDKey: "serviceARN"}
	kindScalableTarget = stage.Kind{Name: "scalable target", Reason: "ScalableTarget", IDKey: "scalableTarget"}
)

// name is the AWS name of one of fd's resources of the stage under rule.
func (p *pass) name(rule cloud.NameRule, suffix string) string {
	return p.Owner().Name(rule, suffix)
}
