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
// its deterministic name (checked for fd's ownership tag: a resource of that name that is
// not ours is never adopted), and created only on a confirmed miss, tagged at creation;
// its ID is checkpointed before anything depends on it. Mutable settings are then repaired,
// each repair noted in status.drift.
//
// The image: spec.service.image when set. When it is empty the pipeline owns the image, so
// the stage keeps the image the service runs now (a deployed image is not drift), and before
// the first deployment takes the repository's latest image; with no image at all it waits.
package ecs

import (
	"context"
	"fmt"
	"strings"
	"time"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/cloud"
)

// Name is the stage's name: log key, tag value and event prefix.
const Name = "ecs"

// Condition reasons of the ecs stage.
const (
	ReasonWaitingForNetwork      = "WaitingForNetwork"
	ReasonWaitingForImage        = "WaitingForImage"
	ReasonWaitingForLoadBalancer = "WaitingForLoadBalancer"
	ReasonWaitingForDeployment   = "WaitingForDeployment"
	ReasonDeploymentFailed       = "DeploymentFailed"
	ReasonWaitingForDeletion     = "WaitingForDeletion"
	ReasonOwnershipConflict      = "OwnershipConflict"
	// ReasonImmutableField: the spec asks for a change AWS cannot make in place.
	ReasonImmutableField = "ImmutableField"
)

// Requeue intervals.
const (
	networkPollInterval      = 10 * time.Second
	imagePollInterval        = 30 * time.Second
	loadBalancerPollInterval = 15 * time.Second
	deploymentPollInterval   = 15 * time.Second
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
}

var _ stage.Stage = (*Stage)(nil)

// New returns the ecs stage. clients hands out the SDK clients of a region.
func New(clients func(region string) Clients, recorder events.EventRecorder) *Stage {
	return &Stage{clients: clients, recorder: recorder}
}

// Name implements stage.Stage.
func (s *Stage) Name() string { return Name }

// Condition implements stage.Stage.
func (s *Stage) Condition() string { return v1alpha1.ConditionServiceReady }

// Reconcile converges the service toward fd.Spec.Service. It never waits on AWS: a
// provisioning load balancer or a rolling deployment is a Waiting result.
func (s *Stage) Reconcile(ctx context.Context, fd *v1alpha1.FlaskDeployment) (stage.Result, error) {
	p := s.newPass(fd)
	defer p.finish()
	if !p.networkReady() {
		p.waitFor(ReasonWaitingForNetwork, networkPollInterval, "waiting for the network's VPC and subnets")
		return p.result(), nil
	}
	for _, step := range []func(context.Context) error{
		p.reconcileExecutionRole,
		p.reconcileLogGroup,
		p.reconcileSecurityGroups,
		p.reconcileLoadBalancer,
		p.reconcileTargetGroup,
		p.reconcileListener,
		p.reconcileCluster,
		p.reconcileTaskDefinition,
		p.reconcileService,
		p.reconcileAutoscaling,
	} {
		if err := step(ctx); err != nil {
			return stage.Result{}, err
		}
		if p.stop {
			break
		}
	}
	return p.result(), nil
}

// Delete removes, in dependency order, every resource of the stage that carries fd's owner
// tag. AWS's own delays (a draining service, a deleting load balancer's interfaces) are
// waits, not errors.
func (s *Stage) Delete(ctx context.Context, fd *v1alpha1.FlaskDeployment) (stage.Result, error) {
	if fd.Spec.ManagementPolicy == v1alpha1.ManagementPolicyObserve {
		return stage.Ready("managementPolicy Observe: service left untouched"), nil
	}
	p := s.newPass(fd)
	for _, step := range []func(context.Context) (bool, error){
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
	} {
		done, err := step(ctx)
		if err != nil {
			return stage.Result{}, err
		}
		if !done {
			return p.result(), nil
		}
	}
	fd.Status.Service = v1alpha1.ServiceStatus{}
	fd.Status.DeployedRevision = nil
	return stage.Ready("service deleted"), nil
}

// pass is the state of one Reconcile or Delete.
type pass struct {
	*Stage
	Clients
	fd      *v1alpha1.FlaskDeployment
	observe bool
	// converged says the service was ready before this pass. Until then a difference is an
	// interrupted set-up being finished, not drift.
	converged bool

	waits    []wait
	missing  []string // Observe: what does not exist and would be created
	drifts   []string // this pass's status.drift entries
	repaired []string // drift repaired in this pass, for one event
	stop     bool     // a later step cannot run yet (no image, Observe without a resource)

	// service is the ECS service as read once in this pass (nil: none), shared by the task
	// definition step (the running image) and the service step.
	service     *ecstypes.Service
	serviceRead bool
}

type wait struct {
	reason, message string
	after           time.Duration
}

func (s *Stage) newPass(fd *v1alpha1.FlaskDeployment) *pass {
	return &pass{
		Stage:     s,
		Clients:   s.clients(stage.Region(fd)),
		fd:        fd,
		observe:   fd.Spec.ManagementPolicy == v1alpha1.ManagementPolicyObserve,
		converged: meta.IsStatusConditionTrue(fd.Status.Conditions, v1alpha1.ConditionServiceReady),
	}
}

// networkReady reports whether the network stage has written what the service is placed
// in: the VPC and a public and private subnet in at least two zones.
func (p *pass) networkReady() bool {
	n := p.fd.Status.Network
	return n.VPCID != "" && len(n.PublicSubnets) >= 2 && len(n.PrivateSubnets) >= 1
}

// result turns what the pass found into the stage's Result.
func (p *pass) result() stage.Result {
	if len(p.waits) > 0 {
		msgs := make([]string, 0, len(p.waits))
		after := p.waits[0].after
		for _, w := range p.waits {
			msgs = append(msgs, w.message)
			after = min(after, w.after)
		}
		return stage.Waiting(p.waits[0].reason, after, "%s", strings.Join(msgs, "; "))
	}
	if p.observe {
		if len(p.missing) > 0 {
			return stage.Waiting(v1alpha1.ReasonObserved, observeInterval,
				"managementPolicy Observe: missing %s", strings.Join(p.missing, ", "))
		}
		r := stage.Ready(fmt.Sprintf("managementPolicy Observe: service %s found", p.fd.Status.Service.ServiceARN))
		r.Reason = v1alpha1.ReasonObserved
		return r
	}
	st := p.fd.Status.Service
	if p.fd.Spec.Suspend {
		return stage.Result{Done: true, Reason: v1alpha1.ReasonSuspended,
			Message: "suspended: service scaled to zero, load balancer deleted; cluster, task definition and logs kept"}
	}
	return stage.Ready(fmt.Sprintf("service %s: %d task(s) running behind %s", serviceName(st.ServiceARN), st.RunningCount, st.LoadBalancerDNS))
}

// serviceName is the last part of a service ARN.
func serviceName(arn string) string {
	return arn[strings.LastIndex(arn, "/")+1:]
}

// waitFor records something the pass is waiting for; the first one names the reason.
func (p *pass) waitFor(reason string, after time.Duration, format string, args ...any) {
	p.waits = append(p.waits, wait{reason: reason, after: after, message: fmt.Sprintf(format, args...)})
}

// mayWrite reports whether the pass may change AWS. Under Observe it notes what it would
// have done instead: "would create" things as missing, repairs as drift.
func (p *pass) mayWrite(create bool, format string, args ...any) bool {
	if !p.observe {
		return true
	}
	what := fmt.Sprintf(format, args...)
	if create {
		p.missing = append(p.missing, what)
	} else {
		p.drifts = append(p.drifts, Name+": "+what+" (not repaired: managementPolicy Observe)")
	}
	return false
}

// drift notes one repaired difference between AWS and the spec. Before the stage was
// ever ready, it is the end of an interrupted set-up and only logged.
func (p *pass) drift(ctx context.Context, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if !p.converged {
		log.FromContext(ctx).Info("Finished an interrupted set-up", "change", msg)
		return
	}
	p.drifts = append(p.drifts, Name+": "+msg)
	p.repaired = append(p.repaired, msg)
	log.FromContext(ctx).Info("Repaired drift", "drift", msg)
}

// finish replaces this stage's status.drift entries with this pass's and sends one event
// for its repairs: the events API folds events of one reason about one object into a
// series, so one event per repair would lose all but the first note.
func (p *pass) finish() {
	kept := p.fd.Status.Drift[:0:0]
	for _, d := range p.fd.Status.Drift {
		if !strings.HasPrefix(d, Name+": ") {
			kept = append(kept, d)
		}
	}
	p.fd.Status.Drift = append(kept, p.drifts...)
	if len(p.fd.Status.Drift) == 0 {
		p.fd.Status.Drift = nil
	}
	if len(p.repaired) > 0 {
		p.recorder.Eventf(p.fd, nil, corev1.EventTypeNormal, "RepairedDrift", "Repair", "Repaired drift: %s", strings.Join(p.repaired, "; "))
	}
}

// kind is a type of AWS resource the stage creates and deletes.
type kind struct {
	name   string // in log messages and event notes: "load balancer"
	reason string // suffix of the event reasons: CreatedLoadBalancer, DeletedLoadBalancer
	idKey  string // log key of the resource's ID or ARN
}

var (
	kindExecutionRole  = kind{name: "task execution role", reason: "ExecutionRole", idKey: "roleARN"}
	kindLogGroup       = kind{name: "log group", reason: "LogGroup", idKey: "logGroup"}
	kindSecurityGroup  = kind{name: "security group", reason: "SecurityGroup", idKey: "securityGroupID"}
	kindLoadBalancer   = kind{name: "load balancer", reason: "LoadBalancer", idKey: "loadBalancerARN"}
	kindTargetGroup    = kind{name: "target group", reason: "TargetGroup", idKey: "targetGroupARN"}
	kindListener       = kind{name: "listener", reason: "Listener", idKey: "listenerARN"}
	kindCluster        = kind{name: "ECS cluster", reason: "Cluster", idKey: "clusterARN"}
	kindTaskDefinition = kind{name: "task definition", reason: "TaskDefinition", idKey: "taskDefinitionARN"}
	kindService        = kind{name: "ECS service", reason: "Service", idKey: "serviceARN"}
	kindScalableTarget = kind{name: "scalable target", reason: "ScalableTarget", idKey: "resourceID"}
)

// created records the creation of an AWS resource: a log line and an event.
func (p *pass) created(ctx context.Context, k kind, id string) {
	log.FromContext(ctx).Info("Created "+k.name, k.idKey, id)
	p.recorder.Eventf(p.fd, nil, corev1.EventTypeNormal, "Created"+k.reason, "Create", "Created %s %s", k.name, id)
}

// deleted records the deletion of an AWS resource.
func (p *pass) deleted(ctx context.Context, k kind, id string) {
	log.FromContext(ctx).Info("Deleted "+k.name, k.idKey, id)
	p.recorder.Eventf(p.fd, nil, corev1.EventTypeNormal, "Deleted"+k.reason, "Delete", "Deleted %s %s", k.name, id)
}

// changed records a change to a resource that is neither a create, a delete nor a drift
// repair (a new task definition revision rolled out, a desired count the spec changed).
func (p *pass) changed(ctx context.Context, reason, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	log.FromContext(ctx).Info(msg)
	p.recorder.Eventf(p.fd, nil, corev1.EventTypeNormal, reason, "Update", "%s", msg)
}

// checkpoint persists status now, before anything depends on the ID just written.
func (p *pass) checkpoint(ctx context.Context, what string) error {
	if err := stage.Checkpoint(ctx); err != nil {
		return fmt.Errorf("save status after creating %s: %w", what, err)
	}
	return nil
}

// tags is the full tag set of one of the stage's resources.
func (p *pass) tags(resource string) map[string]string {
	return cloud.Tags(p.fd, Name, resource)
}
