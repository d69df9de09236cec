/*
 * listnav.c — see listnav.h.
 */
#include "listnav.h"
#include "keys.h"

void
nav_show(struct listnav *v, size_t h)
{
	if (h == 0)
		h = 1;
	if (v->n == 0) {
		v->cur = v->top = 0;
		return;
	}
	if (v->cur >= v->n)
		v->cur = v->n - 1;
	if (v->cur < v->top)
		v->top = v->cur;
	if (v->cur >= v->top + h)
		v->top = v->cur - h + 1;
	/* no empty space below the last row when the list is long enough */
	if (v->n >= h && v->top > v->n - h)
		v->top = v->n - h;
	if (v->n < h)
		v->top = 0;
}

void
nav_goto(struct listnav *v, size_t i, size_t h)
{
	v->cur = i;
	nav_show(v, h);
}

void
nav_count(struct listnav *v, size_t n, size_t h)
{
	v->n = n;
	nav_show(v, h);
}

int
nav_move(struct listnav *v, int act, size_t h)
{
	size_t page = h > 1 ? h - 1 : 1;
	switch (act) {
	case ACT_UP:
		if (v->cur > 0)
			v->cur--;
		break;
	case ACT_DOWN:
		if (v->cur + 1 < v->n)
			v->cur++;
		break;
	case ACT_TOP:
		v->cur = 0;
		break;
	case ACT_BOTTOM:
		v->cur = v->n ? v->n - 1 : 0;
		break;
	case ACT_PGUP:
		v->cur = v->cur > page ? v->cur - page : 0;
		if (v->top > page)
			v->top -= page;
		else
			v->top = 0;
		break;
	case ACT_PGDN:
		v->cur = v->cur + page < v->n ? v->cur + page : (v->n ? v->n - 1 : 0);
		v->top += page;
		break;
	default:
		return 0;
	}
	nav_show(v, h);
	return 1;
}
