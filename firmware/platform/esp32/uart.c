/*
 * fieldnode UART helpers for the Modbus RS-485 port.
 *
 * Moddable's ESP32 embedded:io/serial (modules/io/serial/esp32/serial.c)
 * drives the UART through the low-level HAL without the ESP-IDF UART driver
 * and configures 8N1 only. These functions finish the job on the same
 * hardware, through the ESP-IDF calls that need no driver:
 *
 *   - parity, stop bits (uart_set_parity, uart_set_stop_bits), the RX timeout
 *     in character times (uart_set_rx_timeout: the hardware's t1.5 detector,
 *     set to the whole characters just over t1.5; ESP-IDF counts it in bit
 *     times, which the ESP32 rounds up to multiples of 8) and the RX FIFO
 *     threshold;
 *   - RS-485 driver enable on the UART's RTS output: asserted before the
 *     first byte is queued, released by an esp_timer callback that polls
 *     uart_ll_is_tx_idle (FIFO empty and shift register idle), so DE drops
 *     within a fraction of a character after the last stop bit, whatever the
 *     JavaScript event loop is doing. (uart_set_mode(UART_MODE_RS485_HALF_DUPLEX)
 *     needs the ESP-IDF driver installed, which Moddable's Serial refuses to
 *     share the port with, and even then it is the driver's ISR that drops RTS.)
 *   - the UART's parity, framing and overrun flags, and whether the RX FIFO
 *     holds characters (which Moddable's Serial cannot tell without taking
 *     them);
 *   - esp_timer_get_time, the microsecond clock.
 *
 * Polarity, as ESP-IDF's uart_set_rts: level 0 drives the RTS pin high (DE on,
 * transmit), level 1 drives it low (DE off, receive).
 */
#include <stdint.h>
#include "esp_err.h"
#include "esp_timer.h"
#include "driver/uart.h"
#include "hal/uart_ll.h"
#include "freertos/FreeRTOS.h"

typedef struct {
	esp_timer_handle_t	timer;
	uart_dev_t			*dev;
	int32_t				port;
	uint32_t			pollUs;
	volatile uint8_t	transmitting;
} fieldnode_rs485_t;

static fieldnode_rs485_t gRS485[UART_NUM_MAX];
static portMUX_TYPE gRS485Lock = portMUX_INITIALIZER_UNLOCKED;

static uart_dev_t *fieldnode_uart_dev(int32_t port)
{
	switch (port) {
		case 0: return &UART0;
		case 1: return &UART1;
#if UART_NUM_MAX > 2
		case 2: return &UART2;
#endif
	}
	return NULL;
}

/* parity: 0 none, 1 odd, 2 even. rxTimeout: character times. rxThreshold: FIFO level for onReadable. */
int32_t fieldnode_uart_line(int32_t port, int32_t parity, int32_t stopBits, int32_t rxTimeout, int32_t rxThreshold)
{
	uart_dev_t *dev = fieldnode_uart_dev(port);
	esp_err_t err;
	if (!dev || rxThreshold < 1 || rxThreshold > 127)
		return ESP_ERR_INVALID_ARG;
	err = uart_set_parity(port, (2 == parity) ? UART_PARITY_EVEN : (1 == parity) ? UART_PARITY_ODD : UART_PARITY_DISABLE);
	if (ESP_OK == err)
		err = uart_set_stop_bits(port, (2 == stopBits) ? UART_STOP_BITS_2 : UART_STOP_BITS_1);
	if (ESP_OK == err)
		err = uart_set_rx_timeout(port, (uint8_t)rxTimeout);
	if (ESP_OK == err)
		uart_ll_set_rxfifo_full_thr(dev, (uint16_t)rxThreshold);
	return (int32_t)err;
}

static void fieldnode_rs485_poll(void *arg)
{
	fieldnode_rs485_t *r = arg;
	uint8_t idle;
	portENTER_CRITICAL(&gRS485Lock);
	idle = uart_ll_is_tx_idle(r->dev);
	if (idle && r->transmitting) {
		r->transmitting = 0;
		uart_set_rts(r->port, 1);
	}
	portEXIT_CRITICAL(&gRS485Lock);
	if (!idle)
		esp_timer_start_once(r->timer, r->pollUs);
}

/* Routes RTS to rtsPin and leaves DE released. pollUs: how often to look for the end of a transmission. */
int32_t fieldnode_rs485_begin(int32_t port, int32_t rtsPin, int32_t pollUs)
{
	uart_dev_t *dev = fieldnode_uart_dev(port);
	fieldnode_rs485_t *r;
	esp_err_t err;
	if (!dev)
		return ESP_ERR_INVALID_ARG;
	r = &gRS485[port];
	if (r->timer)
		return ESP_ERR_INVALID_STATE;
	err = uart_set_pin(port, UART_PIN_NO_CHANGE, UART_PIN_NO_CHANGE, rtsPin, UART_PIN_NO_CHANGE);
	if (ESP_OK != err)
		return err;
	r->dev = dev;
	r->port = port;
	r->pollUs = (pollUs < 20) ? 20 : (uint32_t)pollUs;
	r->transmitting = 0;
	uart_set_rts(port, 1);
	{
		const esp_timer_create_args_t args = {
			.callback = fieldnode_rs485_poll,
			.arg = r,
			.dispatch_method = ESP_TIMER_TASK,
			.name = "fieldnode-rs485",
		};
		err = esp_timer_create(&args, &r->timer);
	}
	return (int32_t)err;
}

/* Before queuing bytes: DE on. */
void fieldnode_rs485_transmit(int32_t port)
{
	fieldnode_rs485_t *r = &gRS485[port];
	if (!r->timer)
		return;
	esp_timer_stop(r->timer);
	portENTER_CRITICAL(&gRS485Lock);
	r->transmitting = 1;
	uart_set_rts(port, 0);
	portEXIT_CRITICAL(&gRS485Lock);
}

/* After queuing bytes: DE off once the last stop bit is out. */
void fieldnode_rs485_release(int32_t port)
{
	fieldnode_rs485_t *r = &gRS485[port];
	if (!r->timer)
		return;
	esp_timer_stop(r->timer);
	esp_timer_start_once(r->timer, r->pollUs);
}

void fieldnode_rs485_end(int32_t port)
{
	fieldnode_rs485_t *r = &gRS485[port];
	if (!r->timer)
		return;
	esp_timer_stop(r->timer);
	esp_timer_delete(r->timer);
	r->timer = NULL;
	r->transmitting = 0;
	uart_set_rts(port, 1);
}

/*
 * Bit 0 overrun, bit 1 parity error, bit 2 framing error, since the last
 * call (then cleared); bit 3 while the RX FIFO holds characters (not cleared).
 */
int32_t fieldnode_uart_errors(int32_t port)
{
	uart_dev_t *dev = fieldnode_uart_dev(port);
	uint32_t raw, mask = UART_INTR_RXFIFO_OVF | UART_INTR_PARITY_ERR | UART_INTR_FRAM_ERR;
	int32_t errors = 0;
	if (!dev)
		return 0;
	raw = uart_ll_get_intraw_mask(dev) & mask;
	if (raw & UART_INTR_RXFIFO_OVF) errors |= 1;
	if (raw & UART_INTR_PARITY_ERR) errors |= 2;
	if (raw & UART_INTR_FRAM_ERR) errors |= 4;
	if (raw)
		uart_ll_clr_intsts_mask(dev, raw);
	if (uart_ll_get_rxfifo_len(dev) > 0) errors |= 8;
	return errors;
}

double fieldnode_microseconds(void)
{
	return (double)esp_timer_get_time();
}
