/*
 * fieldnode boot control: the few ESP-IDF calls that take or return partition
 * pointers, wrapped as plain C functions so XS FFI (mc/ffi) can call them.
 * Calls with scalar signatures (esp_restart, esp_reset_reason,
 * esp_ota_mark_app_valid_cancel_rollback, ...) are declared directly in the
 * manifest instead.
 */
#include <stdint.h>
#include "esp_ota_ops.h"
#include "esp_task_wdt.h"

int32_t fieldnode_running_state(void)
{
	esp_ota_img_states_t state;
	const esp_partition_t *running = esp_ota_get_running_partition();
	if (!running)
		return -1;
	if (ESP_OK != esp_ota_get_state_partition(running, &state))
		return (int32_t)ESP_OTA_IMG_UNDEFINED;
	return (int32_t)state;
}

/* The rollback state of OTA app slot `index` (ota_0, ota_1, ...); -1 if there is no such slot. */
int32_t fieldnode_slot_state(int32_t index)
{
	esp_ota_img_states_t state;
	const esp_partition_t *slot;
	if (index < 0 || index > 15)
		return -1;
	slot = esp_partition_find_first(ESP_PARTITION_TYPE_APP, (esp_partition_subtype_t)(ESP_PARTITION_SUBTYPE_APP_OTA_MIN + index), NULL);
	if (!slot)
		return -1;
	if (ESP_OK != esp_ota_get_state_partition(slot, &state))
		return (int32_t)ESP_OTA_IMG_UNDEFINED;
	return (int32_t)state;
}

const char *fieldnode_running_label(void)
{
	const esp_partition_t *running = esp_ota_get_running_partition();
	return running ? running->label : "unknown";
}

/*
 * The task watchdog watches two things. Moddable's event loop calls
 * esp_task_wdt_reset() on every turn (xsHost.c, when CONFIG_ESP_TASK_WDT_EN),
 * so the XS task's own entry only catches a loop that stopped turning. A
 * sampler that stalled while the loop still turns would go unnoticed there, so
 * the firmware's supervisor feeds a user entry of its own, which nothing else
 * resets: it is fed only while every sensor keeps its schedule.
 */
static esp_task_wdt_user_handle_t fieldnode_sampler_entry;

int32_t fieldnode_watchdog_subscribe(void)
{
	esp_err_t err = esp_task_wdt_status(NULL);
	if (ESP_ERR_NOT_FOUND == err)
		err = esp_task_wdt_add(NULL);
	if (ESP_OK != err)
		return (int32_t)err;
	if (!fieldnode_sampler_entry)
		err = esp_task_wdt_add_user("fieldnode", &fieldnode_sampler_entry);
	return (int32_t)err;
}

int32_t fieldnode_watchdog_feed(void)
{
	if (!fieldnode_sampler_entry)
		return (int32_t)ESP_ERR_INVALID_STATE;
	return (int32_t)esp_task_wdt_reset_user(fieldnode_sampler_entry);
}
