// SPDX-License-Identifier: GPL-2.0-only
/*
 * printf and snprintf on top of one formatter that feeds a character sink.
 */
#include <stdbool.h>
#include <stdint.h>
#include "lib/console.h"
#include "lib/print.h"
#include "lib/uart.h"

struct sink {
	void (*put)(struct sink *sink, char c);
	char *buf;		/* snprintf only */
	size_t size;		/* snprintf only */
	size_t len;		/* characters produced so far */
};

struct conversion {
	bool left;		/* '-' flag */
	bool zero;		/* '0' flag */
	unsigned int width;
	int precision;		/* -1: none */
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static unsigned int digit(char c)
{
	return (unsigned int)(c - '0');
}

static void emit(struct sink *sink, char c)
{
	sink->put(sink, c);
	sink->len++;
}

static void emit_padding(struct sink *sink, char c, unsigned int n)
{
	while (n--)
		emit(sink, c);
}

static void emit_string(struct sink *sink, const char *s,
			const struct conversion *conv)
{
	unsigned int len = 0;
	unsigned int max = conv->precision < 0 ? ~0U
					       : (unsigned int)conv->precision;

	if (!s)
		s = "(null)";
	while (s[len] && len < max)
		len++;
	if (!conv->left && conv->width > len)
		emit_padding(sink, ' ', conv->width - len);
	for (unsigned int i = 0; i < len; i++)
		emit(sink, s[i]);
	if (conv->left && conv->width > len)
		emit_padding(sink, ' ', conv->width - len);
}

static void emit_number(struct sink *sink, uint64_t val, unsigned int base,
			bool upper, bool negative,
			const struct conversion *conv)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];		/* 2^64 has 20 decimal digits */
	unsigned int n = 0, len;

	do {
		tmp[n++] = digits[val % base];
		val /= base;
	} while (val);
	len = n + negative;

	if (conv->left) {
		if (negative)
			emit(sink, '-');
		while (n)
			emit(sink, tmp[--n]);
		if (conv->width > len)
			emit_padding(sink, ' ', conv->width - len);
		return;
	}
	if (conv->zero) {
		/* The sign goes before zero padding: -0042. */
		if (negative)
			emit(sink, '-');
		if (conv->width > len)
			emit_padding(sink, '0', conv->width - len);
	} else {
		if (conv->width > len)
			emit_padding(sink, ' ', conv->width - len);
		if (negative)
			emit(sink, '-');
	}
	while (n)
		emit(sink, tmp[--n]);
}

static void format(struct sink *sink, const char *fmt, va_list ap)
{
	while (*fmt) {
		struct conversion conv = { .precision = -1 };
		int size = 0;	/* -1 h, 0 int, 1 long, 2 long long, 3 size_t */
		uint64_t uval;
		int64_t sval;

		if (*fmt != '%') {
			emit(sink, *fmt++);
			continue;
		}
		fmt++;

		for (;; fmt++) {
			if (*fmt == '-')
				conv.left = true;
			else if (*fmt == '0')
				conv.zero = true;
			else
				break;
		}
		if (*fmt == '*') {
			int w = va_arg(ap, int);

			if (w < 0) {
				conv.left = true;
				w = -w;
			}
			conv.width = (unsigned int)w;
			fmt++;
		} else {
			while (is_digit(*fmt))
				conv.width = conv.width * 10 + digit(*fmt++);
		}
		if (*fmt == '.') {
			fmt++;
			conv.precision = 0;
			if (*fmt == '*') {
				conv.precision = va_arg(ap, int);
				fmt++;
			} else {
				while (is_digit(*fmt))
					conv.precision = conv.precision * 10 +
							 (int)digit(*fmt++);
			}
		}
		if (*fmt == 'h') {
			size = -1;
			fmt++;
		} else if (*fmt == 'z') {
			size = 3;
			fmt++;
		} else {
			while (*fmt == 'l' && size < 2) {
				size++;
				fmt++;
			}
		}

		switch (*fmt) {
		case 'd':
		case 'i':
			if (size == 0 || size == -1)
				sval = va_arg(ap, int);
			else if (size == 1)
				sval = va_arg(ap, long);
			else if (size == 2)
				sval = va_arg(ap, long long);
			else
				sval = (int64_t)va_arg(ap, size_t);
			uval = sval < 0 ? -(uint64_t)sval : (uint64_t)sval;
			emit_number(sink, uval, 10, false, sval < 0, &conv);
			break;
		case 'u':
		case 'x':
		case 'X':
			if (size == 0 || size == -1)
				uval = va_arg(ap, unsigned int);
			else if (size == 1)
				uval = va_arg(ap, unsigned long);
			else if (size == 2)
				uval = va_arg(ap, unsigned long long);
			else
				uval = va_arg(ap, size_t);
			emit_number(sink, uval, *fmt == 'u' ? 10 : 16,
				    *fmt == 'X', false, &conv);
			break;
		case 'p':
			emit(sink, '0');
			emit(sink, 'x');
			conv.zero = true;
			conv.width = 16;
			emit_number(sink, (uintptr_t)va_arg(ap, void *), 16,
				    false, false, &conv);
			break;
		case 'c':
			emit(sink, (char)va_arg(ap, int));
			break;
		case 's':
			emit_string(sink, va_arg(ap, const char *), &conv);
			break;
		case '%':
			emit(sink, '%');
			break;
		case '\0':
			/* A lone '%' at the end: print it and stop. */
			emit(sink, '%');
			return;
		default:
			/* Unknown conversion: show it rather than guess. */
			emit(sink, '%');
			emit(sink, *fmt);
			break;
		}
		fmt++;
	}
}

static void put_uart(struct sink *sink, char c)
{
	(void)sink;
	uart_putc(c);
}

int vprintf(const char *fmt, va_list ap)
{
	struct sink sink = { .put = put_uart };
	bool locked = console_lock();

	format(&sink, fmt, ap);
	if (locked)
		console_unlock();
	return (int)sink.len;
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vprintf(fmt, ap);
	va_end(ap);
	return ret;
}

static void put_buffer(struct sink *sink, char c)
{
	if (sink->size && sink->len < sink->size - 1)
		sink->buf[sink->len] = c;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct sink sink = { .put = put_buffer, .buf = buf, .size = size };

	format(&sink, fmt, ap);
	if (size)
		buf[sink.len < size - 1 ? sink.len : size - 1] = '\0';
	return (int)sink.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return ret;
}

void hex_bytes(char *out, const uint8_t *bytes, unsigned int len)
{
	static const char digits[] = "0123456789abcdef";

	for (unsigned int i = 0; i < len; i++) {
		out[2 * i] = digits[bytes[i] >> 4];
		out[2 * i + 1] = digits[bytes[i] & 15];
	}
	out[2 * len] = '\0';
}
