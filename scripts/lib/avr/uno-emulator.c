/*
 * uno-emulator: an Arduino Uno (ATmega328P, 16 MHz) running a firmware .hex on simavr, in real time,
 * with USART0 on a pseudo-terminal: the kiosk agent opens it as it opens /dev/ttyACM0.
 *
 *   uno-emulator [--no-reset] [--boot <bootloader.hex>] <firmware.hex|-> <link>
 *                                  <link> becomes a symlink to the pty slave (the "port")
 *
 * With --boot the chip is an Uno as it leaves the factory: the bootloader (optiboot) sits in the boot
 * section and the reset vector points at it (BOOTRST fuse programmed), the application flash holds
 * `<firmware.hex>` or nothing (`-`). optiboot's SPM page writes land in simavr's flash (its self-
 * programming module), and its watchdog reset after programming starts the new application: optiboot
 * reads MCUSR to tell a DTR (external) reset, which stays in the bootloader, from the others.
 *
 * What a real Uno on USB does, and this does too:
 *   - the board runs from power-up (process start), even with no host on the port;
 *   - opening the port resets the board (DTR), so the firmware starts afresh for every host
 *     (not with --no-reset: a board without auto-reset, e.g. a clone lacking the DTR capacitor);
 *   - bytes the firmware sends while no host has the port open are lost (the USB chip drops them);
 *   - unplugging (SIGKILL of this process) makes the port disappear under the host.
 *
 * stdin, one command a line:  `press <pin>` (button to ground: the pin reads LOW),
 *                             `release <pin>` (the pin floats: the pull-up, if on, makes it HIGH).
 * stdout, one event a line, times in epoch ms:
 *   `ready <pty>`                 the port exists
 *   `open <ms>` / `close <ms>`    a host opened the port (the board was reset) / closed it
 *   `pin <n> <0|1> <ms>`          digital pin n (2..13) changed the level it drives (LEDs)
 *   `input <n> <0|1> <ms>`        a press/release command was applied
 *
 * Pins are modelled here, not by simavr 1.6: its pull-up model keeps stale pin IRQ values across a
 * reset. An input pin reads LOW while pressed, HIGH with its pull-up on, and otherwise keeps its last
 * level (a floating pin holds its charge), as a real pin does over the microseconds that matter here.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "sim_avr.h"
#include "sim_hex.h"
#include "avr_ioport.h"
#include "avr_uart.h"

#define FREQUENCY 16000000ULL
/* ATmega328P data-space addresses of PINx / DDRx / PORTx. */
enum { PINB = 0x23, DDRB = 0x24, PORTB = 0x25, PINC = 0x26, DDRC = 0x27, PORTC = 0x28, PIND = 0x29, DDRD = 0x2A, PORTD = 0x2B };

typedef struct {
	uint16_t pin, ddr, port;
	uint8_t pressed; /* bits held to ground by a button */
	uint8_t level;   /* what each input bit reads */
} port_model_t;

static avr_t *avr;
static port_model_t ports[3] = {
	{ .pin = PINB, .ddr = DDRB, .port = PORTB }, { .pin = PINC, .ddr = DDRC, .port = PORTC }, { .pin = PIND, .ddr = DDRD, .port = PORTD },
};
static int master = -1;
static char slave_name[256];
static int host_open = 0;
static int xon = 1;
static uint8_t to_avr[4096];
static size_t to_avr_len;
static uint8_t to_host[65536];
static size_t to_host_len;
static avr_irq_t *uart_in;
static int trace; /* UNO_TRACE=1: every byte each way on stderr */
static int reset_on_open = 1;
static const char *link_path;
static int bootloader; /* --boot: reset into the boot section, flag resets as a real chip does */

/* MCUSR (reset cause) and its bits: optiboot runs the application unless EXTRF is set. */
enum { MCUSR = 0x54, PORF = 1 << 0, EXTRF = 1 << 1 };

static double epoch_ms(void) {
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static uint64_t mono_ns(void) {
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ULL + t.tv_nsec;
}

/* Arduino digital pin n → its port model and bit (D0–7 = PD, D8–13 = PB, A0–5 = D14–19 = PC). */
static port_model_t *pin_port(int n, int *bit) {
	if (n >= 0 && n <= 7) return *bit = n, &ports[2];
	if (n >= 8 && n <= 13) return *bit = n - 8, &ports[0];
	if (n >= 14 && n <= 19) return *bit = n - 14, &ports[1];
	return NULL;
}

static void update_levels(port_model_t *m, uint8_t ddr, uint8_t port) {
	for (int i = 0; i < 8; i++) {
		uint8_t b = 1 << i;
		if (ddr & b) m->level = (m->level & ~b) | (port & b);   /* driven by the chip */
		else if (m->pressed & b) m->level &= ~b;                /* button to ground */
		else if (port & b) m->level |= b;                       /* internal pull-up */
		/* else floating: keeps its level */
	}
}

static uint8_t pin_read(avr_t *a, avr_io_addr_t addr, void *param) {
	port_model_t *m = param;
	uint8_t ddr = a->data[m->ddr];
	update_levels(m, ddr, a->data[m->port]);
	uint8_t v = (m->level & ~ddr) | (a->data[m->port] & ddr);
	a->data[addr] = v;
	return v;
}

/* PORT and DDR writes, so that a pin going from pull-up to floating keeps the level it had. */
static void port_written(avr_irq_t *irq, uint32_t value, void *param) {
	port_model_t *m = param;
	update_levels(m, avr->data[m->ddr], value);
	(void)irq;
}

static void ddr_written(avr_irq_t *irq, uint32_t value, void *param) {
	port_model_t *m = param;
	update_levels(m, value, avr->data[m->port]);
	(void)irq;
}

static void uart_output(avr_irq_t *irq, uint32_t value, void *param) {
	(void)irq; (void)param;
	if (trace) fprintf(stderr, "%.3f tx %02x%s\n", epoch_ms(), value, host_open ? "" : " (dropped)");
	if (host_open && to_host_len < sizeof(to_host)) to_host[to_host_len++] = (uint8_t)value;
}

static void uart_xon(avr_irq_t *irq, uint32_t value, void *param) { (void)irq; (void)value; (void)param; xon = 1; }
static void uart_xoff(avr_irq_t *irq, uint32_t value, void *param) { (void)irq; (void)param; if (value) xon = 0; }

static void feed_uart(void) {
	size_t i = 0;
	while (xon && i < to_avr_len) {
		if (trace) fprintf(stderr, "%.3f rx %02x\n", epoch_ms(), to_avr[i]);
		avr_raise_irq(uart_in, to_avr[i++]);
	}
	memmove(to_avr, to_avr + i, to_avr_len - i);
	to_avr_len -= i;
}

/* The host just opened the port: make sure the line is raw (no echo of the firmware's bytes back into
 * it) before the firmware writes, then reset the board as the Uno's DTR line does. */
static void host_opened(void) {
	int fd = open(slave_name, O_RDWR | O_NOCTTY | O_NONBLOCK);
	if (fd >= 0) {
		struct termios tio;
		if (tcgetattr(fd, &tio) == 0) {
			cfmakeraw(&tio);
			tcsetattr(fd, TCSANOW, &tio);
		}
		close(fd);
	}
	to_avr_len = to_host_len = 0;
	if (reset_on_open) {
		xon = 1;
		avr_reset(avr);
		if (bootloader) avr->data[MCUSR] |= EXTRF; /* the DTR pulse is an external reset */
	}
	host_open = 1;
	printf("open %.3f\n", epoch_ms());
}

static int host_present(void) {
	struct pollfd p = { .fd = master, .events = POLLIN };
	return !(poll(&p, 1, 0) == 1 && (p.revents & POLLHUP));
}

static void command(char *line) {
	char verb[16];
	int n, bit;
	if (sscanf(line, "%15s %d", verb, &n) != 2) goto bad;
	port_model_t *m = pin_port(n, &bit);
	if (!m) goto bad;
	if (!strcmp(verb, "press")) m->pressed |= 1 << bit;
	else if (!strcmp(verb, "release")) m->pressed &= ~(1 << bit);
	else goto bad;
	update_levels(m, avr->data[m->ddr], avr->data[m->port]);
	printf("input %d %d %.3f\n", n, strcmp(verb, "press") ? 1 : 0, epoch_ms());
	return;
bad:
	fprintf(stderr, "uno-emulator: bad command: %s\n", line);
}

static void read_stdin(void) {
	static char buf[4096];
	static size_t len;
	ssize_t r = read(0, buf + len, sizeof(buf) - 1 - len);
	if (r <= 0) { /* the test that drives us is gone: unplug, and leave no link to a pty someone else gets next */
		unlink(link_path);
		exit(0);
	}
	len += r;
	char *start = buf, *nl;
	while ((nl = memchr(start, '\n', buf + len - start))) {
		*nl = 0;
		command(start);
		start = nl + 1;
	}
	len -= start - buf;
	memmove(buf, start, len);
}

/* Levels the chip drives on D2..D13 (an input pin drives nothing: 0). */
static void report_outputs(void) {
	static int last[14] = { -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1 };
	for (int n = 2; n <= 13; n++) {
		int bit = 0;
		port_model_t *m = pin_port(n, &bit);
		int v = (avr->data[m->ddr] & avr->data[m->port] & (1 << bit)) ? 1 : 0;
		if (v != last[n]) {
			if (last[n] != -1) printf("pin %d %d %.3f\n", n, v, epoch_ms());
			last[n] = v;
		}
	}
}

static void load_hex(const char *path) {
	if (!strcmp(path, "-")) return; /* empty application flash */
	ihex_chunk_p chunks = NULL;
	int count = read_ihex_chunks(path, &chunks);
	if (count <= 0) {
		fprintf(stderr, "uno-emulator: cannot read %s\n", path);
		exit(2);
	}
	for (int i = 0; i < count; i++) avr_loadcode(avr, chunks[i].data, chunks[i].size, chunks[i].baseaddr);
}

int main(int argc, char **argv) {
	const char *boot_hex = NULL;
	for (;;) {
		if (argc >= 4 && !strcmp(argv[1], "--no-reset")) {
			reset_on_open = 0;
			argv++;
			argc--;
		} else if (argc >= 5 && !strcmp(argv[1], "--boot")) {
			boot_hex = argv[2];
			argv += 2;
			argc -= 2;
		} else break;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: uno-emulator [--no-reset] [--boot <bootloader.hex>] <firmware.hex|-> <link>\n");
		return 2;
	}
	trace = getenv("UNO_TRACE") && atoi(getenv("UNO_TRACE"));
	avr = avr_make_mcu_by_name("atmega328p");
	if (!avr) return 2;
	avr_init(avr);
	avr->frequency = FREQUENCY;
	avr->log = LOG_ERROR;
	load_hex(argv[1]);
	if (boot_hex) {
		/* optiboot's 512-byte boot section: BOOTSZ = 256 words, BOOTRST programmed (the Uno's fuses). */
		bootloader = 1;
		load_hex(boot_hex);
		avr->reset_pc = avr->pc = 0x7e00;
		avr->data[MCUSR] = PORF; /* power-on: optiboot starts the application at once */
	}

	for (int i = 0; i < 3; i++) {
		avr->io[AVR_DATA_TO_IO(ports[i].pin)].r.c = pin_read; /* replaces simavr's PIN read (see top) */
		avr->io[AVR_DATA_TO_IO(ports[i].pin)].r.param = &ports[i];
		avr_irq_t *port = avr_io_getirq(avr, AVR_IOCTL_IOPORT_GETIRQ("BCD"[i]), IOPORT_IRQ_REG_PORT);
		avr_irq_t *ddr = avr_io_getirq(avr, AVR_IOCTL_IOPORT_GETIRQ("BCD"[i]), IOPORT_IRQ_DIRECTION_ALL);
		port->flags &= ~IRQ_FLAG_FILTERED; /* every write, not only changes: values go stale on reset */
		ddr->flags &= ~IRQ_FLAG_FILTERED;
		avr_irq_register_notify(port, port_written, &ports[i]);
		avr_irq_register_notify(ddr, ddr_written, &ports[i]);
	}
	uint32_t flags = 0; /* no console echo, no usleep() while the firmware polls the UART */
	avr_ioctl(avr, AVR_IOCTL_UART_SET_FLAGS('0'), &flags);
	uart_in = avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_INPUT);
	avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_OUTPUT), uart_output, NULL);
	avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_OUT_XON), uart_xon, NULL);
	avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_OUT_XOFF), uart_xoff, NULL);

	struct termios raw;
	memset(&raw, 0, sizeof(raw));
	cfmakeraw(&raw);
	int slave;
	if (openpty(&master, &slave, slave_name, &raw, NULL) < 0) {
		perror("uno-emulator: openpty");
		return 2;
	}
	close(slave); /* from now on POLLHUP on the master means "no host has the port open" */
	fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
	char tmp[4096];
	link_path = argv[2];
	snprintf(tmp, sizeof(tmp), "%s.%d", argv[2], getpid());
	if (symlink(slave_name, tmp) != 0 || rename(tmp, argv[2]) != 0) {
		perror("uno-emulator: link");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready %s\n", slave_name);

	/* Run the AVR in step with the wall clock, 1 ms at a time, and sleep in poll() in between. */
	uint64_t t0 = mono_ns();
	avr_cycle_count_t c0 = avr->cycle;
	for (;;) {
		uint64_t elapsed = mono_ns() - t0;
		avr_cycle_count_t target = c0 + elapsed * FREQUENCY / 1000000000ULL;
		if (target > avr->cycle + FREQUENCY / 10) { /* more than 100 ms behind (host busy): don't race */
			t0 += (target - avr->cycle) * 1000000000ULL / FREQUENCY;
			elapsed = mono_ns() - t0;
			target = avr->cycle;
		}
		while (avr->cycle < target) {
			int state = avr_run(avr);
			if (state == cpu_Done || state == cpu_Crashed) {
				fprintf(stderr, "uno-emulator: firmware stopped (state %d) at pc 0x%x\n", state, avr->pc);
				return 3;
			}
		}
		report_outputs();

		int present = host_present();
		if (present && !host_open) host_opened();
		else if (!present && host_open) {
			host_open = 0;
			to_avr_len = to_host_len = 0;
			printf("close %.3f\n", epoch_ms());
		}
		feed_uart();

		struct pollfd fds[2] = { { .fd = 0, .events = POLLIN }, { .fd = master, .events = 0 } };
		int nfds = 1;
		if (host_open) {
			fds[1].events = (to_avr_len < sizeof(to_avr) ? POLLIN : 0) | (to_host_len ? POLLOUT : 0);
			nfds = 2;
		}
		uint64_t next = (elapsed / 1000000 + 1) * 1000000;
		int timeout = (int)((next - (mono_ns() - t0) + 999999) / 1000000);
		if (poll(fds, nfds, timeout < 0 ? 0 : timeout) < 0 && errno != EINTR) return 2;
		if (fds[0].revents & (POLLIN | POLLHUP)) read_stdin();
		if (nfds == 2 && (fds[1].revents & POLLIN)) {
			ssize_t r = read(master, to_avr + to_avr_len, sizeof(to_avr) - to_avr_len);
			if (r > 0) to_avr_len += r;
		}
		if (nfds == 2 && to_host_len && (fds[1].revents & POLLOUT)) {
			ssize_t w = write(master, to_host, to_host_len);
			if (w > 0) {
				memmove(to_host, to_host + w, to_host_len - w);
				to_host_len -= w;
			}
		}
	}
}
