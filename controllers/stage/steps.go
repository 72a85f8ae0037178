package stage

import "context"

// Stop says that the later steps of the checklist cannot run yet (no image yet, a
// resource Observe found missing); the steps done so far stand.
func (j *Journal) Stop() { j.stopped = true }

// Stopped reports whether a step called Stop.
func (j *Journal) Stopped() bool { return j.stopped }

// Run walks a stage's checklist: each step in order, until one fails or calls Stop. A
// light pass (see light.go) skips the steps marked FullOnly; when it needs a full pass,
// the checklist is walked again, in full.
func (j *Journal) Run(ctx context.Context, steps ...func(context.Context) error) error {
	if j.light = Light(ctx); j.light {
		j.before = j.fd.Status.DeepCopy()
	}
	if err := j.run(ctx, steps); err != nil || j.fullBecause == "" {
		return err
	}
	return j.run(j.fallBack(ctx), steps)
}

func (j *Journal) run(ctx context.Context, steps []func(context.Context) error) error {
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return err
		}
		if j.stopped || j.fullBecause != "" {
			return nil
		}
	}
	return nil
}

// RunDelete walks a stage's deletion checklist in order. A step reports whether its
// resources are gone; the next step runs only then, because AWS refuses to delete what
// something else still uses. done is true once every step is.
func RunDelete(ctx context.Context, steps ...func(context.Context) (bool, error)) (done bool, err error) {
	for _, step := range steps {
		if done, err := step(ctx); err != nil || !done {
			return false, err
		}
	}
	return true, nil
}
