/* The words of the summary tables: income sources and expenditure 类. */
#include <string.h>

#include "labels.h"

const char *imp_strip_ordinal(const char *sq, bool *sub_item)
{
	static const char *const numerals[] = {"一", "二", "三", "四", "五",
					       "六", "七", "八", "九", "十",
					       "零", "〇", NULL};
	const char *p = sq;
	*sub_item = false;
	if (strncmp(p, "其中：", strlen("其中：")) == 0 ||
	    strncmp(p, "其中:", strlen("其中:")) == 0) {
		*sub_item = true;
		return p + (p[6] == ':' ? 7 : strlen("其中："));
	}
	bool open = false;
	if (strncmp(p, "（", 3) == 0) {
		p += 3;
		open = true;
	} else if (*p == '(') {
		p++;
		open = true;
	}
	const char *start = p;
	for (bool more = true; more;) {
		more = false;
		for (int i = 0; numerals[i]; i++)
			if (strncmp(p, numerals[i], strlen(numerals[i])) == 0) {
				p += strlen(numerals[i]);
				more = true;
			}
		while (*p >= '0' && *p <= '9') {
			p++;
			more = true;
		}
	}
	if (p == start)
		return sq;
	if (open) {
		if (strncmp(p, "）", 3) == 0)
			return p + 3;
		if (*p == ')')
			return p + 1;
		return sq;
	}
	if (strncmp(p, "、", 3) == 0 || strncmp(p, "．", 3) == 0)
		return p + 3;
	if (*p == '.')
		return p + 1;
	return sq;
}

int imp_income_label(const char *label)
{
	/* Subtotals: 财政拨款收入 (Shanghai), 其中：财政拨款 (handled by the
	 * caller). */
	if (strcmp(label, "财政拨款收入") == 0 ||
	    strcmp(label, "财政拨款") == 0)
		return IMP_LABEL_SUBTOTAL;
	if (strstr(label, "收入合计") || strstr(label, "收入总计") ||
	    strcmp(label, "本年收入") == 0)
		return strstr(label, "本年") ? IMP_LABEL_YEAR_TOTAL
					     : IMP_LABEL_TOTAL;
	static const struct {
		const char *word;
		enum bd_source source;
	} words[] = {
	    {"一般公共预算", BD_SOURCE_GENERAL_BUDGET},
	    {"政府性基金", BD_SOURCE_FUND_BUDGET},
	    {"国有资本经营预算拨款", BD_SOURCE_STATE_CAPITAL},
	    {"国有资本经营预算收入", BD_SOURCE_STATE_CAPITAL},
	    {"国有资本经营预算", BD_SOURCE_STATE_CAPITAL},
	    {"财政专户", BD_SOURCE_SPECIAL_ACCOUNT},
	    {"事业单位经营", BD_SOURCE_OPERATING},
	    {"经营收入", BD_SOURCE_OPERATING},
	    {"事业收入", BD_SOURCE_BUSINESS},
	    {"上级补助", BD_SOURCE_SUPERIOR_SUBSIDY},
	    {"附属单位上缴", BD_SOURCE_AFFILIATED},
	    {"其他收入", BD_SOURCE_OTHER},
	    {"上年结转", BD_SOURCE_CARRYOVER},
	};
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strncmp(label, words[i].word, strlen(words[i].word)) == 0)
			return (int)words[i].source;
	return IMP_LABEL_NONE;
}

/* Names 类 have carried in published tables, old and new. */
static const struct {
	const char *code;
	const char *names[4];
} classes[] = {
    {"201", {"一般公共服务"}},
    {"202", {"外交"}},
    {"203", {"国防"}},
    {"204", {"公共安全"}},
    {"205", {"教育"}},
    {"206", {"科学技术"}},
    {"207", {"文化旅游体育与传媒", "文化体育旅游与传媒", "文化体育与传媒"}},
    {"208", {"社会保障和就业"}},
    {"209", {"社会保险基金"}},
    {"210", {"卫生健康", "医疗卫生与计划生育", "医疗卫生"}},
    {"211", {"节能环保"}},
    {"212", {"城乡社区", "城乡社区事务"}},
    {"213", {"农林水", "农林水事务"}},
    {"214", {"交通运输"}},
    {"215", {"资源勘探信息等", "资源勘探工业信息等", "资源勘探电力信息等"}},
    {"216", {"商业服务业等"}},
    {"217", {"金融"}},
    {"219", {"援助其他地区"}},
    {"220", {"自然资源海洋气象等", "国土海洋气象等"}},
    {"221", {"住房保障"}},
    {"222", {"粮油物资储备"}},
    {"223", {"国有资本经营预算"}},
    {"224", {"灾害防治及应急管理"}},
    {"227", {"预备费"}},
    {"229", {"其他"}},
    {"230", {"转移性"}},
    {"231", {"债务还本"}},
    {"232", {"债务付息"}},
    {"233", {"债务发行费用"}},
    {"234", {"抗疫特别国债安排的"}},
};

const char *imp_class_code(const char *label)
{
	/* "201一般公共服务支出": the code printed with the name. */
	char code[4];
	if (strspn(label, "0123456789") == 3 && label[3] && (label[3] & 0x80)) {
		memcpy(code, label, 3);
		code[3] = '\0';
		for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++)
			if (strcmp(classes[i].code, code) == 0)
				return classes[i].code;
	}
	char name[128];
	size_t n = strlen(label);
	if (n >= sizeof name)
		return NULL;
	memcpy(name, label, n + 1);
	/* "（类）", a bracket the PDF left open, and the word 支出. */
	for (bool cut = true; cut;) {
		cut = false;
		static const char *const tails[] = {"（类）", "(类)", "（",
						    "(",      "支出", NULL};
		for (int i = 0; tails[i]; i++) {
			size_t t = strlen(tails[i]);
			if (n > t && strcmp(name + n - t, tails[i]) == 0) {
				n -= t;
				name[n] = '\0';
				cut = true;
			}
		}
	}
	for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++)
		for (int k = 0; k < 4 && classes[i].names[k]; k++)
			if (strcmp(name, classes[i].names[k]) == 0)
				return classes[i].code;
	return NULL;
}
