package ecs

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/cloud"
)

const (
	resourceTaskDefinition = "task-definition"
	// latestTag is the tag the pipeline's build pushes next to the commit tag.
	latestTag = "latest"
	// logStreamPrefix names the containers' log streams ecs/app/<task ID>, as in the seed.
	logStreamPrefix = "ecs"
)

// familyName is the family of fd's task definitions.
func (p *pass) familyName() string { return p.name(cloud.ECSName, "task") }

// taskSpec is the part of a task definition the stage sets: two revisions with the same
// taskSpec are the same to us, whatever else AWS filled in.
type taskSpec struct {
	Fargate       bool
	CPU, Memory   string
	ExecutionRole string
	Image         string
	Port          int32
	Env           []ecstypes.KeyValuePair
	Secrets       []ecstypes.Secret
	LogOptions    map[string]string
}

// wantedTaskSpec is the task definition the spec asks for with image.
func (p *pass) wantedTaskSpec(image string, env []ecstypes.KeyValuePair) taskSpec {
	spec := p.fd.Spec.Service
	var secrets []ecstypes.Secret
	for _, s := range spec.Secrets {
		secrets = append(secrets, ecstypes.Secret{Name: aws.String(s.Name), ValueFrom: aws.String(s.ValueFrom)})
	}
	slices.SortFunc(secrets, func(a, b ecstypes.Secret) int { return strings.Compare(*a.Name, *b.Name) })
	return taskSpec{
		Fargate: true, CPU: strconv.Itoa(int(spec.CPU)), Memory: strconv.Itoa(int(spec.Memory)),
		ExecutionRole: p.fd.Status.Service.ExecutionRoleARN, Image: image, Port: p.fd.Spec.Service.ContainerPort,
		Env: env, Secrets: secrets,
		LogOptions: map[string]string{
			"awslogs-group":         p.fd.Status.Service.LogGroupName,
			"awslogs-region":        stage.Region(p.fd),
			"awslogs-stream-prefix": logStreamPrefix,
		},
	}
}

// environment is spec.service.env as ECS takes it: literal values only. ECS has no
// counterpart to Kubernetes' valueFrom (secretKeyRef, configMapKeyRef, fieldRef), so such
// an entry is refused; secrets belong in spec.service.secrets.
func (p *pass) environment() ([]ecstypes.KeyValuePair, error) {
	var env []ecstypes.KeyValuePair
	for i, e := range p.fd.Spec.Service.Env {
		if e.ValueFrom != nil {
			return nil, stage.Terminalf(v1alpha1.ReasonInvalidSpec,
				"spec.service.env[%d] (%s) uses valueFrom, which ECS cannot resolve: give a literal value, or put the value in SSM Parameter Store or Secrets Manager and list its ARN in spec.service.secrets",
				i, e.Name)
		}
		env = append(env, ecstypes.KeyValuePair{Name: aws.String(e.Name), Value: aws.String(e.Value)})
	}
	slices.SortFunc(env, func(a, b ecstypes.KeyValuePair) int { return strings.Compare(*a.Name, *b.Name) })
	return env, nil
}

// specOf reads back the taskSpec of a registered task definition; false when it has no
// container named cloud.ContainerName.
func specOf(td *ecstypes.TaskDefinition) (taskSpec, bool) {
	i := slices.IndexFunc(td.ContainerDefinitions, func(c ecstypes.ContainerDefinition) bool {
		return aws.ToString(c.Name) == cloud.ContainerName
	})
	if i < 0 {
		return taskSpec{}, false
	}
	c := td.ContainerDefinitions[i]
	s := taskSpec{
		Fargate: td.NetworkMode == ecstypes.NetworkModeAwsvpc && slices.Contains(td.RequiresCompatibilities, ecstypes.CompatibilityFargate),
		CPU:     aws.ToString(td.Cpu), Memory: aws.ToString(td.Memory), ExecutionRole: aws.ToString(td.ExecutionRoleArn),
		Image: aws.ToString(c.Image),
	}
	if len(c.PortMappings) == 1 && c.PortMappings[0].Protocol != ecstypes.TransportProtocolUdp {
		s.Port = aws.ToInt32(c.PortMappings[0].ContainerPort)
	}
	for _, e := range c.Environment {
		s.Env = append(s.Env, ecstypes.KeyValuePair{Name: e.Name, Value: e.Value})
	}
	slices.SortFunc(s.Env, func(a, b ecstypes.KeyValuePair) int {
		return strings.Compare(aws.ToString(a.Name), aws.ToString(b.Name))
	})
	for _, e := range c.Secrets {
		s.Secrets = append(s.Secrets, ecstypes.Secret{Name: e.Name, ValueFrom: e.ValueFrom})
	}
	slices.SortFunc(s.Secrets, func(a, b ecstypes.Secret) int { return strings.Compare(aws.ToString(a.Name), aws.ToString(b.Name)) })
	if lc := c.LogConfiguration; lc != nil && lc.LogDriver == ecstypes.LogDriverAwslogs {
		s.LogOptions = lc.Options
	}
	return s, true
}

// imageOf is the image of a task definition's container, "" without one.
func imageOf(td *ecstypes.TaskDefinition) string {
	if td == nil {
		return ""
	}
	s, _ := specOf(td)
	return s.Image
}

func (s taskSpec) equal(o taskSpec) bool {
	norm := func(t taskSpec) taskSpec {
		if len(t.Env) == 0 {
			t.Env = nil
		}
		if len(t.Secrets) == 0 {
			t.Secrets = nil
		}
		return t
	}
	a, b := norm(s), norm(o)
	if len(a.Env) != len(b.Env) || len(a.Secrets) != len(b.Secrets) {
		return false
	}
	for i := range a.Env {
		if aws.ToString(a.Env[i].Name) != aws.ToString(b.Env[i].Name) || aws.ToString(a.Env[i].Value) != aws.ToString(b.Env[i].Value) {
			return false
		}
	}
	for i := range a.Secrets {
		if aws.ToString(a.Secrets[i].Name) != aws.ToString(b.Secrets[i].Name) || aws.ToString(a.Secrets[i].ValueFrom) != aws.ToString(b.Secrets[i].ValueFrom) {
			return false
		}
	}
	a.Env, b.Env, a.Secrets, b.Secrets = nil, nil, nil, nil
	return reflect.DeepEqual(a, b)
}

// reconcileTaskDefinition registers a new revision of the family when the wanted task
// definition differs from the one the service runs (or, before there is a service, the
// one status records), and records the revision to run in status. Only a revision whose
// tags prove it fd's is reused (and its tags repaired), after the one the pipeline
// deployed is adopted (checkDeployedRevision); any other is left as it is.
func (p *pass) reconcileTaskDefinition(ctx context.Context) error {
	st := &p.fd.Status.Service
	if st.ExecutionRoleARN == "" || st.LogGroupName == "" {
		p.Stop() // Observe: nothing to build a task definition on
		return nil
	}
	env, err := p.environment()
	if err != nil {
		return err
	}
	if err := p.checkDeployedRevision(ctx); err != nil || p.Stopped() {
		return err
	}
	candidates, err := p.currentTaskDefinitions(ctx)
	if err != nil {
		return err
	}
	c, err := candidates.next(ctx)
	if err != nil {
		return err
	}
	var running *ecstypes.TaskDefinition
	if c != nil {
		running = c.td
	}
	image, err := p.image(ctx, running)
	if err != nil {
		return err
	}
	if image == "" {
		p.Stop()
		return nil
	}
	want := p.wantedTaskSpec(image, env)
	for ; c != nil; c, err = candidates.next(ctx) {
		if have, ok := specOf(c.td); !ok || !have.equal(want) || !p.Owner().Owns(c.tags) {
			continue
		}
		arn := aws.ToString(c.td.TaskDefinitionArn)
		if err := p.RepairTags(ctx, kindTaskDefinition, arn, p.Tags(resourceTaskDefinition), c.tags, cloud.ECSTagger(p.ECS)); err != nil {
			return err
		}
		p.setTaskDefinition(arn)
		return nil
	}
	if err != nil {
		return err
	}
	if !p.MayWrite(true, "task definition %s with image %s", p.familyName(), image) {
		p.Stop()
		return nil
	}
	return p.registerTaskDefinition(ctx, want)
}

// checkDeployedRevision settles whose the revision fd's service runs is before anything
// builds on it: fd's by its tags; fd's by deployedByPipeline, and then adopted; someone
// else's when it is of fd's family and has flaskops.io tags that do not prove it fd's
// (OwnershipConflict, as for any resource the stage finds under one of fd's names). A
// revision of another family is only not reused: the stage deploys its own.
func (p *pass) checkDeployedRevision(ctx context.Context) error {
	svc, err := p.findService(ctx)
	if err != nil || svc == nil {
		return err
	}
	ours, err := p.adoptDeployedRevision(ctx, svc)
	if err != nil || ours || p.Stopped() {
		return err
	}
	arn, td, tags, err := p.deployedRevision(ctx, svc)
	if err != nil || td == nil || aws.ToString(td.Family) != p.familyName() || !p.Owner().Owns(cloud.FromECS(svc.Tags)) {
		return err
	}
	return p.CheckOwner(kindTaskDefinition, arn, tags)
}

// deployedRevision is the revision of svc's PRIMARY deployment with its tags; nil when
// there is none.
func (p *pass) deployedRevision(ctx context.Context, svc *ecstypes.Service) (string, *ecstypes.TaskDefinition, map[string]string, error) {
	d := primaryDeployment(svc)
	if d == nil {
		return "", nil, nil, nil
	}
	arn := aws.ToString(d.TaskDefinition)
	td, tags, err := p.describeTaskDefinition(ctx, arn)
	return arn, td, tags, err
}

// adoptDeployedRevision tags the revision fd's service runs as fd's when deployedByPipeline
// says it is, and reports whether its tags prove it fd's now. Under Observe the adoption is
// only noted, and the pass stops as before any other write.
func (p *pass) adoptDeployedRevision(ctx context.Context, svc *ecstypes.Service) (bool, error) {
	arn, td, tags, err := p.deployedRevision(ctx, svc)
	if err != nil || td == nil {
		return false, err
	}
	if p.Owner().Owns(tags) {
		return true, nil
	}
	if !p.deployedByPipeline(svc, td, tags) {
		return false, nil
	}
	if !p.MayWrite(false, "task definition %s deployed by the pipeline carries no tags", revision(arn)) {
		p.Stop()
		return false, nil
	}
	want := p.Tags(resourceTaskDefinition)
	if err := cloud.ECSTagger(p.ECS).AddTags(ctx, arn, want); err != nil {
		return false, fmt.Errorf("tag task definition %s deployed by the pipeline: %w", revision(arn), err)
	}
	have := maps.Clone(want) // TagResource sets want's keys and keeps the others
	for k, v := range tags {
		if _, ok := want[k]; !ok {
			have[k] = v
		}
	}
	p.taskDefs[arn] = revisionFound{td: td, tags: have}
	msg := fmt.Sprintf("Adopted task definition %s: deployed by the pipeline", arn)
	log.FromContext(ctx).Info(msg, kindTaskDefinition.IDKey, arn)
	p.recorder.Eventf(p.fd, stage.AWSResource(kindTaskDefinition.Reason, arn), corev1.EventTypeNormal, "Adopted"+kindTaskDefinition.Reason, "Adopt", "%s", msg)
	return true, nil
}

// deployedByPipeline reports whether td, whose tags do not say it is fd's, is fd's all the
// same: a revision the pipeline's ECS deploy registered. That action registers a copy of
// the revision the service runs with the new image and points the service at it; whether
// AWS copies the tags is not documented (deploy tools doing the same commonly drop them),
// so an untagged copy must not be taken for someone else's, which would make the stage
// register a tagged copy (an extra rollout) and never prune or delete the pipeline's.
// The service proves it, where tags cannot: td is of fd's own family (a name only fd's
// Owner derives), and fd's service, which its tags prove fd's, runs it as its PRIMARY
// deployment, so whoever registered it deployed it to fd's service. It must also carry no
// flaskops.io tag at all: one that names another owner or cluster, or one of fd's whose
// owner tag someone removed, stays someone else's, as any resource would.
func (p *pass) deployedByPipeline(svc *ecstypes.Service, td *ecstypes.TaskDefinition, tags map[string]string) bool {
	d := primaryDeployment(svc)
	if d == nil || aws.ToString(d.TaskDefinition) != aws.ToString(td.TaskDefinitionArn) ||
		aws.ToString(td.Family) != p.familyName() || !p.Owner().Owns(cloud.FromECS(svc.Tags)) {
		return false
	}
	return !hasReservedTag(tags)
}

// hasReservedTag reports whether any of tags is a flaskops.io tag.
func hasReservedTag(tags map[string]string) bool {
	for k := range tags {
		if strings.HasPrefix(k, cloud.ReservedTagPrefix) {
			return true
		}
	}
	return false
}

// copiedByPipeline reports whether td, a revision of fd's family found while pruning or
// deleting, is a copy fd's pipeline registered that the service no longer runs (the
// pipeline deployed twice between two passes, so the first copy was never PRIMARY when a
// pass looked): it carries no flaskops.io tag and runs with fd's task execution role, whose
// tags prove it fd's. Of the identities the operator manages, only the operator, which
// registers every revision with its tags, and fd's pipeline role may pass that role to ECS,
// so no other tenant's revision can carry it; one registered by someone an administrator
// lets pass it too (a hand-made copy of the running revision) is fd's family run as fd, and
// goes with fd as well. The role is read only when such a revision is found, unless the
// pass read it already.
func (p *pass) copiedByPipeline(ctx context.Context, td *ecstypes.TaskDefinition, tags map[string]string) (bool, error) {
	if aws.ToString(td.Family) != p.familyName() || hasReservedTag(tags) || aws.ToString(td.ExecutionRoleArn) == "" {
		return false, nil
	}
	if p.ownRoleARN == nil {
		role, err := p.findRole(ctx, p.executionRoleName())
		if err != nil {
			return false, err
		}
		p.rememberExecutionRole(role)
	}
	return *p.ownRoleARN != "" && *p.ownRoleARN == aws.ToString(td.ExecutionRoleArn), nil
}

// setTaskDefinition records the revision the service is to run. The deployment followed
// so far was another revision's.
func (p *pass) setTaskDefinition(arn string) {
	st := &p.fd.Status.Service
	if st.TaskDefinitionARN != arn {
		st.TaskDefinitionARN, st.DeploymentID = arn, ""
	}
}

// revisionFound is a task definition revision with its tags.
type revisionFound struct {
	td   *ecstypes.TaskDefinition
	tags map[string]string
}

// currentTaskDefinitions are the revisions the wanted one is compared with, in order: the
// one the service runs, the one status records (the last one registered), and the family's
// latest ACTIVE revision (registered just before a crash lost its ARN). Each is described
// only once the ones before it did not match: at steady state the running one does.
func (p *pass) currentTaskDefinitions(ctx context.Context) (*revisions, error) {
	var refs []string
	svc, err := p.findService(ctx)
	if err != nil {
		return nil, err
	}
	if svc != nil {
		refs = append(refs, aws.ToString(svc.TaskDefinition))
	}
	refs = append(refs, p.fd.Status.Service.TaskDefinitionARN, p.familyName())
	return &revisions{p: p, refs: refs, seen: map[string]bool{}}, nil
}

// revisions walks the references of currentTaskDefinitions.
type revisions struct {
	p    *pass
	refs []string
	seen map[string]bool
}

// next describes the next revision that exists and was not met before; nil after the last.
func (r *revisions) next(ctx context.Context) (*revisionFound, error) {
	for len(r.refs) > 0 {
		ref := r.refs[0]
		r.refs = r.refs[1:]
		if ref == "" || r.seen[ref] {
			continue
		}
		td, tags, err := r.p.describeTaskDefinition(ctx, ref)
		if err != nil {
			return nil, err
		}
		if td == nil || r.seen[aws.ToString(td.TaskDefinitionArn)] {
			continue
		}
		r.seen[aws.ToString(td.TaskDefinitionArn)] = true
		return &revisionFound{td: td, tags: tags}, nil
	}
	return nil, nil
}

// describeTaskDefinition describes a revision (or a family's latest ACTIVE one) with its
// tags; nil when it does not exist.
func (p *pass) describeTaskDefinition(ctx context.Context, ref string) (*ecstypes.TaskDefinition, map[string]string, error) {
	if r, ok := p.taskDefs[ref]; ok {
		return r.td, r.tags, nil
	}
	out, err := p.ECS.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{
		TaskDefinition: aws.String(ref), Include: []ecstypes.TaskDefinitionField{ecstypes.TaskDefinitionFieldTags},
	})
	if cloud.IsNotFound(err) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("describe task definition %s: %w", ref, err)
	}
	r := revisionFound{td: out.TaskDefinition, tags: cloud.FromECS(out.Tags)}
	if arn := aws.ToString(r.td.TaskDefinitionArn); arn == ref {
		p.taskDefs[ref] = r // a family's latest revision may change within the pass
	}
	return r.td, r.tags, nil
}

// image is the image to run, by the rule in the package comment: spec.service.image; else
// the image the service runs now (the pipeline deployed it: not drift); else the image the
// repository's latest tag points to, pinned; else "" after noting the wait.
func (p *pass) image(ctx context.Context, running *ecstypes.TaskDefinition) (string, error) {
	if img := p.fd.Spec.Service.Image; img != "" {
		return img, nil
	}
	if running != nil {
		if s, ok := specOf(running); ok && s.Image != "" {
			return s.Image, nil
		}
	}
	repo := p.fd.Status.Repository
	if repo.Name == "" || repo.URI == "" {
		p.WaitFor(v1alpha1.ReasonWaitingForImage, imagePollInterval, "waiting for an image: spec.service.image is empty and the repository does not exist yet")
		return "", nil
	}
	img, err := p.latestImage(ctx, repo.Name, repo.URI)
	if err != nil || img != "" {
		return img, err
	}
	p.WaitFor(v1alpha1.ReasonWaitingForImage, imagePollInterval, "waiting for an image: the pipeline has not pushed one to %s yet", repo.URI)
	return "", nil
}

// latestImage is the image the repository's latest tag points to, pinned so that the task
// definition keeps naming that image when latest moves on: by its other tag when it has
// exactly one (the commit tag the pipeline's build pushes with latest, readable and the
// form the pipeline's own deploys write), else by digest. "" when latest does not exist.
func (p *pass) latestImage(ctx context.Context, repo, uri string) (string, error) {
	out, err := p.ECR.DescribeImages(ctx, &ecr.DescribeImagesInput{
		RepositoryName: aws.String(repo), ImageIds: []ecrtypes.ImageIdentifier{{ImageTag: aws.String(latestTag)}},
	})
	if cloud.IsNotFound(err) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("describe image %s:%s: %w", repo, latestTag, err)
	}
	if len(out.ImageDetails) == 0 {
		return "", nil
	}
	d := out.ImageDetails[0]
	var others []string
	for _, t := range d.ImageTags {
		if t != latestTag {
			others = append(others, t)
		}
	}
	if len(others) == 1 {
		return uri + ":" + others[0], nil
	}
	if digest := aws.ToString(d.ImageDigest); digest != "" {
		return uri + "@" + digest, nil
	}
	return uri + ":" + latestTag, nil
}

func (p *pass) registerTaskDefinition(ctx context.Context, want taskSpec) error {
	family := p.familyName()
	out, err := p.ECS.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
		Family:                  aws.String(family),
		RequiresCompatibilities: []ecstypes.Compatibility{ecstypes.CompatibilityFargate},
		NetworkMode:             ecstypes.NetworkModeAwsvpc,
		Cpu:                     aws.String(want.CPU),
		Memory:                  aws.String(want.Memory),
		ExecutionRoleArn:        aws.String(want.ExecutionRole),
		ContainerDefinitions: []ecstypes.ContainerDefinition{{
			Name:         aws.String(cloud.ContainerName),
			Image:        aws.String(want.Image),
			Essential:    aws.Bool(true),
			PortMappings: []ecstypes.PortMapping{{ContainerPort: aws.Int32(want.Port), Protocol: ecstypes.TransportProtocolTcp}},
			Environment:  want.Env,
			Secrets:      want.Secrets,
			LogConfiguration: &ecstypes.LogConfiguration{
				LogDriver: ecstypes.LogDriverAwslogs, Options: want.LogOptions,
			},
		}},
		Tags: cloud.ToECS(p.Tags(resourceTaskDefinition)),
	}, ecsRetryThrottledOnly)
	if err != nil {
		return fmt.Errorf("register task definition %s with image %s: %w", family, want.Image, err)
	}
	arn := aws.ToString(out.TaskDefinition.TaskDefinitionArn)
	p.setTaskDefinition(arn)
	p.Created(ctx, kindTaskDefinition, arn)
	return stage.CheckpointCreated(ctx, "task definition "+revision(arn))
}

// revision is family:revision of a task definition ARN.
func revision(arn string) string {
	return arn[strings.LastIndex(arn, "/")+1:]
}

// familyRevisions lists the ARNs of the family's revisions in a status, oldest first.
func (p *pass) familyRevisions(ctx context.Context, status ecstypes.TaskDefinitionStatus) ([]string, error) {
	family := p.familyName()
	pages := ecs.NewListTaskDefinitionsPaginator(p.ECS, &ecs.ListTaskDefinitionsInput{FamilyPrefix: aws.String(family), Status: status})
	var arns []string
	for pages.HasMorePages() {
		out, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list %s task definitions of family %s: %w", status, family, err)
		}
		for _, arn := range out.TaskDefinitionArns {
			// ListTaskDefinitions matches the family as a prefix: skip longer family names.
			if strings.HasPrefix(revision(arn), family+":") {
				arns = append(arns, arn)
			}
		}
	}
	slices.SortFunc(arns, func(a, b string) int { return revisionNumber(a) - revisionNumber(b) })
	return arns, nil
}

// revisionNumber is the revision of a task definition ARN.
func revisionNumber(arn string) int {
	n, _ := strconv.Atoi(arn[strings.LastIndex(arn, ":")+1:])
	return n
}

// pruneRevisions deregisters the family's superseded ACTIVE revisions once the service
// runs current steadily: those before current other than the one just before it (kept to
// roll back to), when their tags prove them fd's, whether the stage registered them or
// the pipeline's deploy did (adopted once the service ran them), and copies the pipeline
// registered that no pass saw running (copiedByPipeline). Revisions after current may be
// about to be deployed and are kept.
func (p *pass) pruneRevisions(ctx context.Context, current string) error {
	if p.Observing() {
		return nil
	}
	arns, err := p.familyRevisions(ctx, ecstypes.TaskDefinitionStatusActive)
	if err != nil {
		return err
	}
	var older []string
	for _, arn := range arns {
		if revisionNumber(arn) < revisionNumber(current) {
			older = append(older, arn)
		}
	}
	if len(older) < 2 {
		return nil
	}
	for _, arn := range older[:len(older)-1] {
		td, tags, err := p.describeTaskDefinition(ctx, arn)
		if err != nil {
			return err
		}
		if td == nil {
			continue
		}
		copied, err := p.copiedByPipeline(ctx, td, tags)
		if err != nil {
			return err
		}
		if !copied && !p.Owner().Owns(tags) {
			continue
		}
		if err := p.deregisterTaskDefinition(ctx, arn); err != nil {
			return err
		}
	}
	return nil
}

func (p *pass) deregisterTaskDefinition(ctx context.Context, arn string) error {
	if _, err := p.ECS.DeregisterTaskDefinition(ctx, &ecs.DeregisterTaskDefinitionInput{TaskDefinition: aws.String(arn)}); err != nil && !cloud.IsNotFound(err) {
		return fmt.Errorf("deregister task definition %s: %w", revision(arn), err)
	}
	log.FromContext(ctx).Info("Deregistered task definition", "taskDefinitionARN", arn)
	return nil
}

// deleteTaskDefinitions deregisters and deletes every revision of the family whose tags
// prove it fd's or that fd's pipeline registered (copiedByPipeline), ACTIVE or INACTIVE;
// any other is left in place.
func (p *pass) deleteTaskDefinitions(ctx context.Context) (bool, error) {
	var ours []string
	for _, status := range []ecstypes.TaskDefinitionStatus{ecstypes.TaskDefinitionStatusActive, ecstypes.TaskDefinitionStatusInactive} {
		arns, err := p.familyRevisions(ctx, status)
		if err != nil {
			return false, err
		}
		for _, arn := range arns {
			td, tags, err := p.describeTaskDefinition(ctx, arn)
			if err != nil {
				return false, err
			}
			if td == nil {
				continue
			}
			copied, err := p.copiedByPipeline(ctx, td, tags)
			if err != nil {
				return false, err
			}
			if !copied && !p.Deletable(ctx, kindTaskDefinition, arn, tags) {
				continue
			}
			if status == ecstypes.TaskDefinitionStatusActive {
				if err := p.deregisterTaskDefinition(ctx, arn); err != nil {
					return false, err
				}
			}
			ours = append(ours, arn)
		}
	}
	for batch := range slices.Chunk(ours, 10) {
		out, err := p.ECS.DeleteTaskDefinitions(ctx, &ecs.DeleteTaskDefinitionsInput{TaskDefinitions: batch})
		if err != nil {
			return false, fmt.Errorf("delete task definitions %s: %w", strings.Join(batch, ", "), err)
		}
		if len(out.Failures) > 0 {
			f := out.Failures[0]
			return false, fmt.Errorf("delete task definition %s: %s: %s", aws.ToString(f.Arn), aws.ToString(f.Reason), aws.ToString(f.Detail))
		}
		for _, td := range out.TaskDefinitions {
			p.Deleted(ctx, kindTaskDefinition, aws.ToString(td.TaskDefinitionArn))
		}
	}
	p.fd.Status.Service.TaskDefinitionARN = ""
	return true, nil
}

// ecsRetryThrottledOnly is the option of RegisterTaskDefinition, which takes no
// ClientToken and adds a revision each time it succeeds: the SDK retries it only when
// throttled, never after a failure that may have come after AWS acted (the next pass finds
// that revision as the family's latest and reuses it).
func ecsRetryThrottledOnly(o *ecs.Options) { o.Retryer = cloud.RetryThrottledOnly(o.Retryer) }
