package ui

import "sync"

// eventQueue hands customer actions to Events() in order without ever
// blocking the UI thread: a slow or absent reader must not freeze the
// window. It is unbounded, but customers click slowly.
type eventQueue struct {
	out  chan Event
	wake chan struct{} // capacity 1: "the queue changed"
	quit chan struct{}

	mu       sync.Mutex
	q        []Event
	finished bool // no more pushes; close out once q is delivered
	stopOnce sync.Once
}

func newEventQueue() *eventQueue {
	e := &eventQueue{out: make(chan Event), wake: make(chan struct{}, 1), quit: make(chan struct{})}
	go e.run()
	return e
}

func (e *eventQueue) push(ev Event) {
	e.mu.Lock()
	if !e.finished {
		e.q = append(e.q, ev)
	}
	e.mu.Unlock()
	e.poke()
}

// finish queues a last event; out closes after it is delivered.
func (e *eventQueue) finish(last Event) {
	e.mu.Lock()
	if !e.finished {
		e.q = append(e.q, last)
		e.finished = true
	}
	e.mu.Unlock()
	e.poke()
}

// stop drops what is queued and closes out.
func (e *eventQueue) stop() {
	e.stopOnce.Do(func() { close(e.quit) })
}

func (e *eventQueue) poke() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

func (e *eventQueue) run() {
	defer close(e.out)
	for {
		e.mu.Lock()
		var ev Event
		have := len(e.q) > 0
		if have {
			ev = e.q[0]
		}
		last := e.finished && len(e.q) == 0
		e.mu.Unlock()
		if last {
			return
		}
		if !have {
			select {
			case <-e.wake:
				continue
			case <-e.quit:
				return
			}
		}
		select {
		case e.out <- ev:
			e.mu.Lock()
			e.q = e.q[1:]
			e.mu.Unlock()
		case <-e.quit:
			return
		}
	}
}
