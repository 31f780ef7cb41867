"""A hold-out set: documents the importer was not written against.

Each one is written the way another county, city or province office publishes its
放管服 / 优化营商环境 plans (2019-2024), mixing the styles of the five real documents with
other wording: web-page chrome, Traditional characters with pinyin, full-width digits,
〔〕 and () brackets, labelled lines, keyword brackets, heading-only plans, a plan printed
as the notice's attachment, and attachment tables. Every test asserts the full parse.
"""

import io
from datetime import date

import pytest
from django.core.management import call_command

from regions.models import Region
from tasks.importer import DEADLINE_SOURCE_DOCUMENT as DOC
from tasks.importer import DEADLINE_SOURCE_PLAN_DEFAULT as DEFAULT
from tasks.importer import DocumentError, parse_document
from tasks.importer.deadlines import parse_deadline
from tasks.importer.metadata import parse_signed_date_line
from tasks.importer.text import clean_line, is_page_chrome
from tasks.importer.units import parse_unit_bracket
from tasks.models import Plan

# A county 工作要点 behind web chrome: notice with 文号, labelled brackets, mixed deadlines.
COUNTY_POINTS = """分享到：
当前位置：首页 > 政务公开 > 政府文件
标题：桃源县2021年深化“放管服”改革优化营商环境工作要点
发布时间：2021-03-09 10:21  来源：桃源县人民政府办公室  浏览次数：2386
桃政办发〔2021〕4号
桃源县人民政府办公室关于印发《桃源县2021年深化“放管服”改革优化营商环境工作要点》的通知
各乡镇人民政府（街道办事处），县直各单位：
《桃源县2021年深化“放管服”改革优化营商环境工作要点》已经县人民政府同意，现印发给你们，请认真抓好贯彻落实。
桃源县人民政府办公室
2021年3月5日
桃源县2021年深化“放管服”改革优化营商环境工作要点
为持续深化“放管服”改革，打造一流营商环境，结合我县实际，制定本要点。
一、总体要求
以习近平新时代中国特色社会主义思想为指导，全面落实省、市决策部署。
二、重点任务
（一）持续深化简政放权
1.承接落实上级下放事项。对省、市下放的行政权力事项逐项明确承接部门，6月底前完成承接评估。（牵头单位：县委编办、县司法局；责任单位：县直各单位；完成时限：2021年9月底前完成）
2.全面推行告知承诺制。梳理公布实行告知承诺制的证明事项清单。（牵头单位：县司法局；责任单位：县直有关单位；完成时限：年底前）
（二）提升政务服务效能
3.深化“一件事一次办”改革。新增一批集成服务事项。（牵头单位：县行政审批服务局；责任单位：县直有关单位，各乡镇人民政府（街道办事处）；完成时限：长期坚持）
4.推进“跨省通办”。第一季度完成事项清单梳理，2021年6月底前全面上线运行。（牵头单位：县政务服务中心；责任单位：县公安局、县人力资源和社会保障局、县医保局；完成时限：第一季度）
三、保障措施
1.加强组织领导。各单位主要负责同志要亲自抓。
2.强化督查考核。县优化办每季度通报一次。
打印本页    关闭窗口
"""

# city division plan, keyword brackets, full-width digits and punctuation, signature at the end
CITY_DIVISION = """关于印发湖城市２０２２年优化营商环境重点任务分工方案的通知
湖政办函〔２０２２〕１８号
各区县（市）人民政府，市政府各部门：
现将《湖城市２０２２年优化营商环境重点任务分工方案》印发给你们，请结合实际认真组织实施。
一、优化市场准入环境
１．深化商事制度改革，推行经营范围规范化登记。（市市场监管局牵头，市直有关部门按职责分工负责）
２．推进企业开办全程网办，２０２２年６月底前实现企业开办１个环节、０．５个工作日办结。（市市场监管局、市公安局、市税务局、人行湖城市中心支行按职责分工负责，２０２２年１２月３１日前）
３．清理妨碍统一市场和公平竞争的政策措施。（市发展改革委、市市场监管局牵头，各区县（市）人民政府和市直有关部门按职责分工负责，持续推进）
二、优化金融服务环境
４．加大普惠金融支持力度，推动小微企业贷款增量扩面。（人行湖城市中心支行、湖城银保监分局牵头，市地方金融监管局、市财政局等按职责分工负责）
５．完善政府性融资担保体系。（市财政局牵头，市地方金融监管局配合，９月底前完成）
湖城市人民政府办公室
２０２２年４月８日
"""

# provincial responsibility list, 〔〕 brackets, 1、 numbering, （一） headings with 、
PROVINCE_LIST = """江川省人民政府办公厅
2023年5月16日
（此件公开发布）
江川省2023年优化营商环境责任清单
为进一步压实工作责任，制定本清单。
一、优化政务服务
（一）、提升审批效率
1、推行企业投资项目承诺制，2023年9月底前出台实施办法。〔牵头单位：省发展改革委；责任单位：省自然资源厅、省住房城乡建设厅，2023年9月底前完成〕
2、全面推行电子证照应用。〔责任单位：省政务服务中心、省大数据局〕
（二）、规范中介服务
3、清理规范涉审中介服务事项。〔牵头单位：省政务服务中心，责任单位：省直有关部门，持续推进〕
二、加强市场监管
（一）、推进信用监管
4、建立健全信用分级分类监管制度。〔牵头单位：省市场监管局；责任单位：省发展改革委、人民银行江川中心支行及省直相关部门，立行立改、长期坚持〕
5、开展涉企违规收费专项整治。〔牵头单位：省市场监管局，责任单位：省财政厅、省工业和信息化厅，10月底前〕
三、工作要求
各地各部门要对照清单抓好落实，每季度末将进展报送省优化办。
"""

# heading-only task plan with a shared-responsibility note worded differently
HEADING_TASKS = """各乡镇人民政府（街道办事处），县直机关各单位：
《清河县2023年优化营商环境八项重点工作》已经县人民政府同意，现予印发，请认真组织实施。
清河县人民政府办公室
2023年2月20日
清河县2023年优化营商环境八项重点工作
为打造一流营商环境，现提出2023年八项重点工作。
一、深化“一网通办”，提升政务服务便利度
推进政务服务事项全部进驻县政务服务中心，2023年6月底前实现高频事项“掌上办”。（牵头单位：县行政审批局；责任单位：县直有关单位，各乡镇人民政府（街道办事处）均为责任单位，以下不再列出）
二、落实惠企政策，减轻市场主体负担
全面落实减税降费政策，开展涉企收费检查。（牵头单位：县税务局、县发改局；责任单位：县财政局）
三、强化要素保障，优化项目建设环境
推进“标准地”出让，实现工业项目拿地即开工。（牵头单位：县自然资源局；责任单位：县住建局和县工业园区管委会，2023年10月底前完成）
四、加强组织保障
各单位要把优化营商环境作为“一把手”工程。
"""

# Traditional characters with pinyin, web chrome, 2019 plan
TRADITIONAL_WEB = """您的位置：網站首頁 > 政策文件
發(fā)布時間：2019-04-12  瀏覽次數(shù)：912
南嶺市人民政府辦公室關於印發(fā)南嶺市2019年優(yōu)化營商環(huán)境工作方案的通知
南政辦發(fā)〔2019〕11號
各縣（市、區(qū)）人民政府，市直各單位：
現(xiàn)將《南嶺市2019年優(yōu)化營商環(huán)境工作方案》印發(fā)給你們，請認真貫徹執(zhí)行。
南嶺市人民政府辦公室
2019年4月10日
南嶺市2019年優(yōu)化營商環(huán)境工作方案
一、主要任務
1.壓縮企業(yè)開辦時間。將企業(yè)開辦時間壓縮至3個工作日以內(nèi)。（牽頭單位：市市場監(jiān)督管理局；責任單位：市公安局、市稅務局，6月底前完成）
2.優(yōu)化不動產(chǎn)登記。一般登記辦理時間壓縮至5個工作日。（牽頭單位：市自然資源和規(guī)劃局；責任單位：市稅務局、市住房和城鄉(xiāng)建設局，年底前完成）
二、保障措施
各地各部門要加強領導，確保各項任務落到實處。
【打印本頁】【關閉窗口】
"""

# task plan with an attachment table that repeats the tasks (one cell per line)
STEPS_AND_TABLE = """石门区优化营商环境工作领导小组办公室
2022年3月18日
石门区2022年营商环境提升行动实施方案
一、工作目标
到2022年底，全区营商环境进入全市第一方阵。
二、工作任务
1、推行“一窗通办”。（牵头单位：区政务服务中心；责任单位：区直有关单位；完成时限：2022年6月底）
2、推进“证照分离”全覆盖。（牵头单位：区市场监管局；责任单位：区直有关单位；完成时限：2022年12月）
3、开展“送政策进企业”活动。（牵头单位：区工信局；责任单位：区财政局、区税务局；完成时限：持续推进）
三、工作步骤
（一）动员部署阶段（2022年3月）。制定方案，明确分工。
（二）组织实施阶段（2022年4月—11月）。各单位按分工推进。
（三）总结验收阶段（2022年12月）。全面总结。
四、工作要求
（一）加强领导。各单位要高度重视。
（二）强化督导。区优化办定期督查。
附件1
石门区2022年营商环境提升行动任务分解表
序号
工作任务
牵头单位
责任单位
完成时限
1
推行“一窗通办”
区政务服务中心
区直有关单位
2022年6月底
2
推进“证照分离”全覆盖
区市场监管局
区直有关单位
2022年12月
3
开展“送政策进企业”活动
区工信局
区财政局、区税务局
持续推进
"""

# only page chrome
CHROME_ONLY = """您当前的位置：首页 > 政务公开
发布时间：2023-01-05  浏览次数：88
分享到：
【打印本页】【关闭窗口】
主办单位：某某县人民政府办公室
"""

# only a notice preamble, no task
PREAMBLE_ONLY = """东山县人民政府办公室关于做好2023年优化营商环境工作的通知
各乡镇人民政府，县直各单位：
为持续优化营商环境，现就有关事项通知如下，请认真贯彻落实。
东山县人民政府办公室
2023年1月9日
"""

# implementation plan whose tasks continue numbering into a 保障措施 section without brackets,
# 总体要求 with numbered goals, sub-points （1）（2） inside a task
RUNNING_NUMBERS = """平江市人民政府
2020年7月1日
平江市进一步优化营商环境实施方案
一、总体要求
1.工作目标。到2020年底，全市营商环境明显改善。
2.基本原则。坚持问题导向。
二、重点任务
3.优化获得电力服务。
（1）压减办电环节至2个；
（2）10千伏用户办电时间压减至40个工作日以内。（牵头单位：国网平江供电公司；责任单位：市发展改革委、市住房和城乡建设局；完成时限：2020年10月15日前）
4.提升纳税便利度。推广电子税务局，实现主要涉税事项网上办。（市税务局负责）
5.加强知识产权保护。（市市场监管局牵头，市公安局、市中级人民法院配合，持续推进）
三、保障措施
6.加强组织领导。市优化营商环境领导小组统筹推进。
7.严格督查问责。对工作不力的严肃问责。
"""

# 2024 responsibility list with 冷水滩-style web header, Chinese-numeral signing date,
# labels on their own lines
LABEL_LINES = """当前位置：首页>信息公开>通知公告
发布日期：2024-03-02 字体：大 中 小
来源：丰乐县优化营商环境协调事务中心
丰乐县2024年优化营商环境工作要点
丰乐县优化营商环境工作领导小组
二〇二四年二月二十六日
一、营造高效便捷的政务环境
（一）深化“高效办成一件事”。拓展“一件事”场景，2024年5月底前新增10个集成服务场景。
牵头单位：县政务服务中心
责任单位：县直各单位
完成时限：2024年11月底前
（二）规范涉企检查。推行“综合查一次”。
牵头单位：县司法局
责任单位：县直有关执法部门
完成时限：长期坚持
二、营造公平公正的法治环境
（三）加强商会调解。推动商会人民调解委员会建设。
牵头单位：县工商联
责任单位：县司法局、县人民法院
分享到：微信 微博
"""

# 任务分工 with 及 / 和 / 等 / shared suffix / parentheses unit names, 2 and 3 level numbering
NAME_SPLITTING = """宁远市人民政府办公室
2022年8月1日
宁远市营商环境创新提升行动任务分工
一、政务环境
1.推进工程建设项目审批“全流程网办”。（牵头单位：市住房和城乡建设局；责任单位：市自然资源和规划局、市发展和改革委员会及各县（市、区）人民政府，2022年11月底前完成）
2.推广“一业一证”改革。（牵头单位：市行政审批局；责任单位：东湖区、西湖区、南湖区人民政府，持续推进）
3.推进“证照分离”改革。（牵头单位：市市场监管局；责任单位：市商务局和市文化广电旅游局等有关部门）
二、要素环境
4.降低企业用电成本。（牵头单位：市发展改革委；责任单位：国网宁远供电公司、市工业和信息化局，第三季度）
5.加强人才引进服务。（牵头单位：市委组织部（市委人才办）；责任单位：市人力资源社会保障局，年底前）
"""

# heading-task plan where headings are numbered 一、 and the body uses keyword brackets,
# and the document ends with the web footer
KEYWORD_HEADINGS = """（此件主动公开）
关于印发《云岭市2024年优化营商环境六项攻坚行动》的通知
云政办发〔2024〕6号
各县（市、区）人民政府，市直各部门：
《云岭市2024年优化营商环境六项攻坚行动》已经市人民政府同意，现印发给你们，请认真贯彻执行。
云岭市人民政府办公室
2024年1月30日
云岭市2024年优化营商环境六项攻坚行动
一、企业开办便利化攻坚行动
推行企业开办“一网通办、一窗领取”，实现企业开办0.5个工作日办结。（市市场监管局牵头，市公安局、市税务局、市人社局按职责分工负责，一季度完成）
二、项目审批提速攻坚行动
推行“拿地即开工”，工业项目审批时间压缩至30个工作日以内。（市住房城乡建设局、市自然资源规划局牵头，市直有关部门按职责分工负责，2024年6月底前）
三、涉企服务提质攻坚行动
建立企业诉求“接诉即办”机制。（市营商办牵头，市直各部门、各县（市、区）人民政府按职责分工负责，立行立改）
网站地图 | 联系我们
版权所有：云岭市人民政府办公室  滇ICP备00000000号
"""

# the plan printed as the notice's attachment ("附件" above its title); signature and date on one line
PLAN_AS_ATTACHMENT = """永宁县人民政府办公室
关于印发《永宁县2022年深化“放管服”改革
优化营商环境工作要点》的通知
永政办发[2022]9号
各乡镇人民政府，县直各单位：
现将《永宁县2022年深化“放管服”改革优化营商环境工作要点》印发给你们，请认真抓好落实。
附件：永宁县2022年深化“放管服”改革优化营商环境工作要点
永宁县人民政府办公室  2022年3月15日
附件
永宁县2022年深化“放管服”改革优化营商环境工作要点
一、深化简政放权
1、推进相对集中行政许可权改革。（县行政审批服务局牵头，县直相关部门配合；完成时限：2022年6月底）
2、规范行政备案事项。（牵头单位：县司法局；责任单位：县直各单位；完成时限：2022年3月底前启动，年底前完成）
二、优化政务服务
3、推行“免证办”。（牵头单位：县政务服务中心；责任单位：县直各单位、各乡镇人民政府均为责任单位，以下各项任务不再列出）
4、完善“好差评”制度。（牵头单位：县政务服务中心；责任单位：县纪委监委）
"""

# 2019 city plan, keyword brackets on their own line, items "1 ." and "（１）" headings
BRACKET_LINES = """北川市人民政府办公室关于印发北川市2019年推进政府职能转变和“放管服”改革重点任务分工方案的通知
北政办发〔2019〕20号
各县（市、区）人民政府、北川经开区管委会，市政府各部门：
经市人民政府同意，现将《北川市2019年推进政府职能转变和“放管服”改革重点任务分工方案》印发给你们，请认真贯彻执行。
北川市人民政府办公室
2019年6月28日
北川市2019年推进政府职能转变和“放管服”改革重点任务分工方案
一、加快推进简政放权
1 .持续精简行政许可事项，2019年9月底前再取消下放一批行政许可事项。
（市委编办、市司法局牵头，市直有关部门按职责分工负责）
2 .深化投资审批改革。全面推行投资项目在线审批监管平台应用。
（市发展改革委牵头，市自然资源和规划局、市住房和城乡建设局等按职责分工负责，2019年12月底前完成）
二、加强公正监管
3 .全面推行“双随机、一公开”监管。（市市场监管局牵头，市直有关部门及各县（市、区）人民政府按职责分工负责，长期坚持）
4 .实施包容审慎监管。对新业态实行包容审慎监管。（市市场监管局、市发展改革委等按职责分工负责）
本方案各项任务，各县（市、区）人民政府要结合实际抓好落实。
"""

# Traditional Chinese responsibility list with pinyin, full-width numbers and labelled
# lines, 1、 numbering under （一） headings, attachment table with tabs
TRADITIONAL_LIST = """瀏覽次數(shù)：1024  分享到：
南平縣人民政府辦公室關於印發(fā)《南平縣2023年優(yōu)化營商環(huán)境重點任務責任清單》的通知
南政辦函〔２０２３〕５號
各鄉(xiāng)鎮(zhèn)人民政府（街道辦事處），縣直各單位：
《南平縣2023年優(yōu)化營商環(huán)境重點任務責任清單》已經(jīng)縣人民政府同意，現(xiàn)印發(fā)給你們。
南平縣人民政府辦公室
2023年3月1日
一、優(yōu)化政務環(huán)境
（一）提升辦事效率
１、推行“一窗通辦”。2023年4月底前實現(xiàn)綜合窗口全覆蓋。（牽頭單位：縣政務服務中心；責任單位：縣直有關單位；完成時限：2023年9月底前完成）
２、推進“證照分離”。（牽頭單位：縣市場監(jiān)管局；責任單位：縣發(fā)改局、縣財政局；完成時限：長期堅持）
（二）降低企業(yè)成本
３、落實減稅降費。（牽頭單位：縣稅務局；責任單位：縣財政局，6月底前）
附件：責任分解表
序號	任務	牽頭單位	完成時限
1	推行“一窗通辦”	縣政務服務中心	2023年9月底前完成
2	推進“證照分離”	縣市場監(jiān)管局	長期堅持
3	落實減稅降費	縣稅務局	6月底前
"""

# level-2 headings as tasks (one paragraph each, ending in the bracket), under a
# 重点任务 heading, with 总体要求 before and 保障措施 after (one of its points names a unit)
SUBHEADING_TASKS = """中共金溪县委办公室  金溪县人民政府办公室
关于印发《金溪县2021年优化营商环境攻坚行动方案》的通知
金办发〔2021〕8号
各乡镇党委、人民政府，县直各单位：
《金溪县2021年优化营商环境攻坚行动方案》已经县委、县人民政府同意，现印发给你们，请结合实际认真贯彻落实。
中共金溪县委办公室  金溪县人民政府办公室
2021年4月6日
金溪县2021年优化营商环境攻坚行动方案
一、总体要求
以企业和群众满意为导向，全力打造全市一流营商环境。
二、攻坚行动
（一）企业开办提速行动
全面推行企业开办“一件事一次办”，企业开办时间压缩至1个工作日以内。（牵头单位：县市场监管局；责任单位：县公安局、县税务局、人行金溪县支行；完成时限：2021年5月底前）
（二）项目审批提效行动
推行工程建设项目“容缺受理”，2021年6月底前出台实施细则。（牵头单位：县住建局；责任单位：县自然资源局、县发改局；完成时限：2021年12月31日前）
（三）政策兑现攻坚行动
建立惠企政策“免申即享”机制。（县发改局、县财政局牵头，县直有关单位按职责分工负责，立行立改、长期坚持）
三、保障措施
（一）加强组织领导。成立攻坚行动领导小组。（责任单位：县优化办）
（二）严格考核奖惩。将攻坚行动纳入年度绩效考核。
"""

# numbered plan whose 保障措施 points carry units, with 十一、 headings
GUARANTEE_WITH_UNITS = """海门区人民政府办公室
2024年2月2日
海门区2024年优化营商环境重点工作任务清单
一、政务服务
1.推进“高效办成一件事”。（牵头单位：区政务服务中心；责任单位：区直各单位；完成时限：2024年11月底前）
十一、数字赋能
2.推广“免证办”服务。（牵头单位：区大数据中心；责任单位：区直各单位；完成时限：2024年10月底前）
十二、组织保障
3.加强统筹调度。区优化办每月调度一次。（牵头单位：区优化办）
4.强化督查问责。（牵头单位：区委督查室、区政府督查室）
"""


def metadata(plan):
    return (plan.title, plan.doc_number, plan.issuer, plan.issued_on, plan.year)


def units(plan):
    return [(t.number, t.title, t.lead_units, t.responsible_units) for t in plan.tasks]


def deadlines(plan):
    return [
        (t.number, t.deadline.due_on, t.deadline.text, t.deadline.source, t.deadline.is_ongoing)
        for t in plan.tasks
    ]


def milestones(plan):
    return {t.number: [m.due_on for m in t.milestones] for t in plan.tasks if t.milestones}


def section_titles(plan):
    return [(s.numeral, s.title, s.level, s.parent_index) for s in plan.sections]


# --------------------------------------------------------------------------- county points


def test_county_points_metadata_ignores_the_page_publishing_date():
    plan = parse_document(COUNTY_POINTS)
    assert metadata(plan) == (
        "桃源县2021年深化“放管服”改革优化营商环境工作要点",
        "桃政办发〔2021〕4号",
        "桃源县人民政府办公室",
        date(2021, 3, 5),
        2021,
    )
    assert plan.warnings == []


def test_county_points_tasks_skip_general_requirements_and_safeguards():
    plan = parse_document(COUNTY_POINTS)
    assert units(plan) == [
        (1, "承接落实上级下放事项", ["县委编办", "县司法局"], ["县直各单位"]),
        (2, "全面推行告知承诺制", ["县司法局"], ["县直有关单位"]),
        (
            3,
            "深化“一件事一次办”改革",
            ["县行政审批服务局"],
            ["县直有关单位", "各乡镇人民政府（街道办事处）"],
        ),
        (
            4,
            "推进“跨省通办”",
            ["县政务服务中心"],
            ["县公安局", "县人力资源和社会保障局", "县医保局"],
        ),
    ]
    assert [plan.sections[t.section_index].title for t in plan.tasks] == [
        "持续深化简政放权",
        "持续深化简政放权",
        "提升政务服务效能",
        "提升政务服务效能",
    ]


def test_county_points_deadlines_and_milestones():
    plan = parse_document(COUNTY_POINTS)
    assert deadlines(plan) == [
        (1, date(2021, 9, 30), "2021年9月底前完成", DOC, False),
        (2, date(2021, 12, 31), "年底前", DOC, False),
        (3, None, "长期坚持", DOC, True),
        (4, date(2021, 3, 31), "第一季度", DOC, False),
    ]
    # 第一季度 in the body is too vague for a milestone; 6月底前 and 2021年6月底前 are not.
    assert milestones(plan) == {1: [date(2021, 6, 30)], 4: [date(2021, 6, 30)]}


# --------------------------------------------------------------------------- city division


def test_city_division_full_width_digits_and_signature_at_the_end():
    plan = parse_document(CITY_DIVISION)
    assert metadata(plan) == (
        "湖城市2022年优化营商环境重点任务分工方案",
        "湖政办函〔2022〕18号",
        "湖城市人民政府办公室",
        date(2022, 4, 8),
        2022,
    )
    assert [t.number for t in plan.tasks] == [1, 2, 3, 4, 5]
    assert plan.tasks[1].title == (
        "推进企业开办全程网办，2022年6月底前实现企业开办1个环节、0.5个工作日办结"
    )


def test_city_division_keyword_brackets():
    plan = parse_document(CITY_DIVISION)
    assert [(t.number, t.lead_units, t.responsible_units) for t in plan.tasks] == [
        (1, ["市市场监管局"], ["市直有关部门"]),
        (2, [], ["市市场监管局", "市公安局", "市税务局", "人行湖城市中心支行"]),
        (3, ["市发展改革委", "市市场监管局"], ["各区县（市）人民政府", "市直有关部门"]),
        (4, ["人行湖城市中心支行", "湖城银保监分局"], ["市地方金融监管局", "市财政局"]),
        (5, ["市财政局"], ["市地方金融监管局"]),
    ]


def test_city_division_deadlines():
    plan = parse_document(CITY_DIVISION)
    assert deadlines(plan) == [
        (1, date(2022, 12, 31), "", DEFAULT, False),
        (2, date(2022, 12, 31), "2022年12月31日前", DOC, False),
        (3, None, "持续推进", DOC, True),
        (4, date(2022, 12, 31), "", DEFAULT, False),
        (5, date(2022, 9, 30), "9月底前完成", DOC, False),
    ]
    assert milestones(plan) == {2: [date(2022, 6, 30)]}


# --------------------------------------------------------------------------- province list


def test_province_list_square_brackets_and_comma_headings():
    plan = parse_document(PROVINCE_LIST)
    assert metadata(plan) == (
        "江川省2023年优化营商环境责任清单",
        "",
        "江川省人民政府办公厅",
        date(2023, 5, 16),
        2023,
    )
    assert section_titles(plan) == [
        ("一", "优化政务服务", 1, None),
        ("（一）", "提升审批效率", 2, 0),
        ("（二）", "规范中介服务", 2, 0),
        ("二", "加强市场监管", 1, None),
        ("（一）", "推进信用监管", 2, 3),
        ("三", "工作要求", 1, None),
    ]
    assert units(plan) == [
        (
            1,
            "推行企业投资项目承诺制，2023年9月底前出台实施办法",
            ["省发展改革委"],
            ["省自然资源厅", "省住房城乡建设厅"],
        ),
        (2, "全面推行电子证照应用", [], ["省政务服务中心", "省大数据局"]),
        (3, "清理规范涉审中介服务事项", ["省政务服务中心"], ["省直有关部门"]),
        (
            4,
            "建立健全信用分级分类监管制度",
            ["省市场监管局"],
            ["省发展改革委", "人民银行江川中心支行", "省直相关部门"],
        ),
        (5, "开展涉企违规收费专项整治", ["省市场监管局"], ["省财政厅", "省工业和信息化厅"]),
    ]
    assert deadlines(plan) == [
        (1, date(2023, 9, 30), "2023年9月底前完成", DOC, False),
        (2, date(2023, 12, 31), "", DEFAULT, False),
        (3, None, "持续推进", DOC, True),
        (4, None, "立行立改、长期坚持", DOC, True),
        (5, date(2023, 10, 31), "10月底前", DOC, False),
    ]


# --------------------------------------------------------------------------- heading tasks


def test_heading_tasks_with_shared_note_and_no_safeguards():
    plan = parse_document(HEADING_TASKS)
    assert metadata(plan) == (
        "清河县2023年优化营商环境八项重点工作",
        "",
        "清河县人民政府办公室",
        date(2023, 2, 20),
        2023,
    )
    shared = "各乡镇人民政府（街道办事处）"
    assert units(plan) == [
        (1, "深化“一网通办”，提升政务服务便利度", ["县行政审批局"], ["县直有关单位", shared]),
        (2, "落实惠企政策，减轻市场主体负担", ["县税务局", "县发改局"], ["县财政局", shared]),
        (
            3,
            "强化要素保障，优化项目建设环境",
            ["县自然资源局"],
            ["县住建局", "县工业园区管委会", shared],
        ),
    ]
    assert deadlines(plan) == [
        (1, date(2023, 12, 31), "", DEFAULT, False),
        (2, date(2023, 12, 31), "", DEFAULT, False),
        (3, date(2023, 10, 31), "2023年10月底前完成", DOC, False),
    ]
    assert milestones(plan) == {1: [date(2023, 6, 30)]}


def test_sub_heading_tasks_between_general_requirements_and_safeguards():
    plan = parse_document(SUBHEADING_TASKS)
    assert metadata(plan) == (
        "金溪县2021年优化营商环境攻坚行动方案",
        "金办发〔2021〕8号",
        "中共金溪县委办公室 金溪县人民政府办公室",
        date(2021, 4, 6),
        2021,
    )
    # 保障措施 (一) names a unit but is no task: the section is named for safeguards.
    assert units(plan) == [
        (1, "企业开办提速行动", ["县市场监管局"], ["县公安局", "县税务局", "人行金溪县支行"]),
        (2, "项目审批提效行动", ["县住建局"], ["县自然资源局", "县发改局"]),
        (3, "政策兑现攻坚行动", ["县发改局", "县财政局"], ["县直有关单位"]),
    ]
    assert deadlines(plan) == [
        (1, date(2021, 5, 31), "2021年5月底前", DOC, False),
        (2, date(2021, 12, 31), "2021年12月31日前", DOC, False),
        (3, None, "立行立改、长期坚持", DOC, True),
    ]
    assert milestones(plan) == {2: [date(2021, 6, 30)]}


def test_keyword_heading_tasks_behind_a_web_footer():
    plan = parse_document(KEYWORD_HEADINGS)
    assert metadata(plan) == (
        "云岭市2024年优化营商环境六项攻坚行动",
        "云政办发〔2024〕6号",
        "云岭市人民政府办公室",
        date(2024, 1, 30),
        2024,
    )
    assert units(plan) == [
        (1, "企业开办便利化攻坚行动", ["市市场监管局"], ["市公安局", "市税务局", "市人社局"]),
        (
            2,
            "项目审批提速攻坚行动",
            ["市住房城乡建设局", "市自然资源规划局"],
            ["市直有关部门"],
        ),
        (
            3,
            "涉企服务提质攻坚行动",
            ["市营商办"],
            ["市直各部门", "各县（市、区）人民政府"],
        ),
    ]
    assert deadlines(plan) == [
        (1, date(2024, 3, 31), "一季度完成", DOC, False),
        (2, date(2024, 6, 30), "2024年6月底前", DOC, False),
        (3, None, "立行立改", DOC, True),
    ]
    assert "ICP" not in plan.tasks[-1].body


def test_label_lines_under_sub_headings_and_a_title_above_the_signature():
    plan = parse_document(LABEL_LINES)
    assert metadata(plan) == (
        "丰乐县2024年优化营商环境工作要点",
        "",
        "丰乐县优化营商环境工作领导小组",
        date(2024, 2, 26),
        2024,
    )
    assert plan.warnings == []
    assert units(plan) == [
        (1, "深化“高效办成一件事”", ["县政务服务中心"], ["县直各单位"]),
        (2, "规范涉企检查", ["县司法局"], ["县直有关执法部门"]),
        (3, "加强商会调解", ["县工商联"], ["县司法局", "县人民法院"]),
    ]
    assert deadlines(plan) == [
        (1, date(2024, 11, 30), "2024年11月底前", DOC, False),
        (2, None, "长期坚持", DOC, True),
        (3, date(2024, 12, 31), "", DEFAULT, False),
    ]
    assert milestones(plan) == {1: [date(2024, 5, 31)]}
    assert "分享" not in plan.tasks[-1].body


# --------------------------------------------------------------------------- traditional


def test_traditional_web_copy_with_pinyin():
    plan = parse_document(TRADITIONAL_WEB)
    assert metadata(plan) == (
        "南岭市2019年优化营商环境工作方案",
        "南政办发〔2019〕11号",
        "南岭市人民政府办公室",
        date(2019, 4, 10),
        2019,
    )
    assert units(plan) == [
        (1, "压缩企业开办时间", ["市市场监督管理局"], ["市公安局", "市税务局"]),
        (2, "优化不动产登记", ["市自然资源和规划局"], ["市税务局", "市住房和城乡建设局"]),
    ]
    assert deadlines(plan) == [
        (1, date(2019, 6, 30), "6月底前完成", DOC, False),
        (2, date(2019, 12, 31), "年底前完成", DOC, False),
    ]
    assert "(yè)" not in plan.tasks[0].body and "企業" in plan.tasks[0].source_text


def test_traditional_list_with_full_width_numbers_and_a_tab_table():
    plan = parse_document(TRADITIONAL_LIST)
    assert metadata(plan) == (
        "南平县2023年优化营商环境重点任务责任清单",
        "南政办函〔2023〕5号",
        "南平县人民政府办公室",
        date(2023, 3, 1),
        2023,
    )
    assert units(plan) == [
        (1, "推行“一窗通办”", ["县政务服务中心"], ["县直有关单位"]),
        (2, "推进“证照分离”", ["县市场监管局"], ["县发改局", "县财政局"]),
        (3, "落实减税降费", ["县税务局"], ["县财政局"]),
    ]
    assert deadlines(plan) == [
        (1, date(2023, 9, 30), "2023年9月底前完成", DOC, False),
        (2, None, "长期坚持", DOC, True),
        (3, date(2023, 6, 30), "6月底前", DOC, False),
    ]
    assert milestones(plan) == {1: [date(2023, 4, 30)]}
    assert plan.warnings == []


# --------------------------------------------------------------------------- non-task parts


def test_steps_requirements_and_attachment_table_are_not_tasks():
    plan = parse_document(STEPS_AND_TABLE)
    assert metadata(plan) == (
        "石门区2022年营商环境提升行动实施方案",
        "",
        "石门区优化营商环境工作领导小组办公室",
        date(2022, 3, 18),
        2022,
    )
    assert units(plan) == [
        (1, "推行“一窗通办”", ["区政务服务中心"], ["区直有关单位"]),
        (2, "推进“证照分离”全覆盖", ["区市场监管局"], ["区直有关单位"]),
        (3, "开展“送政策进企业”活动", ["区工信局"], ["区财政局", "区税务局"]),
    ]
    assert deadlines(plan) == [
        (1, date(2022, 6, 30), "2022年6月底", DOC, False),
        (2, date(2022, 12, 31), "2022年12月", DOC, False),
        (3, None, "持续推进", DOC, True),
    ]
    assert plan.warnings == []


def test_numbering_running_on_from_general_requirements_into_tasks():
    plan = parse_document(RUNNING_NUMBERS)
    assert metadata(plan) == (
        "平江市进一步优化营商环境实施方案",
        "",
        "平江市人民政府",
        date(2020, 7, 1),
        2020,
    )
    assert units(plan) == [
        (
            3,
            "优化获得电力服务",
            ["国网平江供电公司"],
            ["市发展改革委", "市住房和城乡建设局"],
        ),
        (4, "提升纳税便利度", [], ["市税务局"]),
        (5, "加强知识产权保护", ["市市场监管局"], ["市公安局", "市中级人民法院"]),
    ]
    assert "（2）10千伏用户" in plan.tasks[0].body
    assert deadlines(plan) == [
        (3, date(2020, 10, 15), "2020年10月15日前", DOC, False),
        (4, date(2020, 12, 31), "", DEFAULT, False),
        (5, None, "持续推进", DOC, True),
    ]
    # 1. and 2. under 总体要求 explain the gap: no numbering warning.
    assert plan.warnings == []


def test_safeguard_points_naming_units_are_not_tasks():
    plan = parse_document(GUARANTEE_WITH_UNITS)
    assert [(t.number, t.title, t.deadline.due_on) for t in plan.tasks] == [
        (1, "推进“高效办成一件事”", date(2024, 11, 30)),
        (2, "推广“免证办”服务", date(2024, 10, 31)),
    ]
    assert [s.numeral for s in plan.sections] == ["一", "十一", "十二"]


@pytest.mark.parametrize("text", [CHROME_ONLY, PREAMBLE_ONLY], ids=["chrome", "preamble"])
def test_documents_without_tasks_fail_with_a_clear_error(text):
    with pytest.raises(DocumentError, match="未识别到任何任务"):
        parse_document(text)


# --------------------------------------------------------------------------- name splitting


def test_name_splitting_and_deadline_forms():
    plan = parse_document(NAME_SPLITTING)
    assert metadata(plan) == (
        "宁远市营商环境创新提升行动任务分工",
        "",
        "宁远市人民政府办公室",
        date(2022, 8, 1),
        2022,
    )
    assert units(plan) == [
        (
            1,
            "推进工程建设项目审批“全流程网办”",
            ["市住房和城乡建设局"],
            ["市自然资源和规划局", "市发展和改革委员会", "各县（市、区）人民政府"],
        ),
        (
            2,
            "推广“一业一证”改革",
            ["市行政审批局"],
            ["东湖区人民政府", "西湖区人民政府", "南湖区人民政府"],
        ),
        (3, "推进“证照分离”改革", ["市市场监管局"], ["市商务局", "市文化广电旅游局", "有关部门"]),
        (4, "降低企业用电成本", ["市发展改革委"], ["国网宁远供电公司", "市工业和信息化局"]),
        (5, "加强人才引进服务", ["市委组织部（市委人才办）"], ["市人力资源社会保障局"]),
    ]
    assert deadlines(plan) == [
        (1, date(2022, 11, 30), "2022年11月底前完成", DOC, False),
        (2, None, "持续推进", DOC, True),
        (3, date(2022, 12, 31), "", DEFAULT, False),
        (4, date(2022, 9, 30), "第三季度", DOC, False),
        (5, date(2022, 12, 31), "年底前", DOC, False),
    ]


# --------------------------------------------------------------------------- plan as attachment


def test_plan_printed_as_the_notice_attachment():
    plan = parse_document(PLAN_AS_ATTACHMENT)
    # The notice title wraps over two lines; signature and date share one line.
    assert metadata(plan) == (
        "永宁县2022年深化“放管服”改革优化营商环境工作要点",
        "永政办发〔2022〕9号",
        "永宁县人民政府办公室",
        date(2022, 3, 15),
        2022,
    )
    assert plan.warnings == []
    assert units(plan) == [
        (1, "推进相对集中行政许可权改革", ["县行政审批服务局"], ["县直相关部门"]),
        (2, "规范行政备案事项", ["县司法局"], ["县直各单位"]),
        (3, "推行“免证办”", ["县政务服务中心"], ["县直各单位", "各乡镇人民政府"]),
        (
            4,
            "完善“好差评”制度",
            ["县政务服务中心"],
            ["县纪委监委", "县直各单位", "各乡镇人民政府"],
        ),
    ]
    assert deadlines(plan) == [
        (1, date(2022, 6, 30), "2022年6月底", DOC, False),
        # A start date and a completion date: the task is due when it must be complete.
        (2, date(2022, 12, 31), "2022年3月底前启动，年底前完成", DOC, False),
        (3, date(2022, 12, 31), "", DEFAULT, False),
        (4, date(2022, 12, 31), "", DEFAULT, False),
    ]


def test_keyword_brackets_on_a_line_of_their_own():
    plan = parse_document(BRACKET_LINES)
    assert metadata(plan) == (
        "北川市2019年推进政府职能转变和“放管服”改革重点任务分工方案",
        "北政办发〔2019〕20号",
        "北川市人民政府办公室",
        date(2019, 6, 28),
        2019,
    )
    assert units(plan) == [
        (
            1,
            "持续精简行政许可事项，2019年9月底前再取消下放一批行政许可事项",
            ["市委编办", "市司法局"],
            ["市直有关部门"],
        ),
        (
            2,
            "深化投资审批改革",
            ["市发展改革委"],
            ["市自然资源和规划局", "市住房和城乡建设局"],
        ),
        (
            3,
            "全面推行“双随机、一公开”监管",
            ["市市场监管局"],
            ["市直有关部门", "各县（市、区）人民政府"],
        ),
        (4, "实施包容审慎监管", [], ["市市场监管局", "市发展改革委"]),
    ]
    assert deadlines(plan) == [
        (1, date(2019, 12, 31), "", DEFAULT, False),
        (2, date(2019, 12, 31), "2019年12月底前完成", DOC, False),
        (3, None, "长期坚持", DOC, True),
        (4, date(2019, 12, 31), "", DEFAULT, False),
    ]
    assert milestones(plan) == {1: [date(2019, 9, 30)]}
    assert "本方案各项任务" not in plan.tasks[-1].body


# --------------------------------------------------------------------------- small rules


@pytest.mark.parametrize(
    "line",
    [
        "信息来源：桃源县人民政府办公室",
        "作者：县政府办",
        "时间：2023-01-05 来源：县发改局",
        "阅读：1024次",
        "[打印] [关闭]",
        "[ 打印本页 ] [ 关闭窗口 ]",
        "【我要纠错】",
        "【 大 中 小 】",
        "字号：大 中 小",
        "分享：",
        "打印本页 关闭窗口",
    ],
)
def test_more_page_chrome_is_recognised(line):
    assert is_page_chrome(clean_line(line))


@pytest.mark.parametrize(
    "line",
    ["时间节点：2023年6月底", "时间紧任务重，各单位要抓紧。", "关闭一批落后产能。", "作者认为"],
)
def test_document_text_is_not_mistaken_for_chrome(line):
    assert not is_page_chrome(clean_line(line))


def test_keyword_units_before_a_deadline_label_are_kept():
    bracket = parse_unit_bracket("市发改委牵头，市直相关部门配合；完成时限：2022年6月底")
    assert (bracket.lead_units, bracket.responsible_units, bracket.deadline_text) == (
        ["市发改委"],
        ["市直相关部门"],
        "2022年6月底",
    )


@pytest.mark.parametrize(
    "note",
    [
        "各乡镇人民政府、街道办事处均为责任单位，以下各项任务不再列出",
        "各乡镇人民政府、街道办事处为共同责任单位，以下不再一一列出",
        "各乡镇人民政府、街道办事处均为各项任务的责任单位，以下不再逐项列出",
    ],
)
def test_shared_responsibility_note_wordings(note):
    bracket = parse_unit_bracket(f"牵头单位：县政务中心；责任单位：{note}")
    assert bracket.responsible_units == ["各乡镇人民政府", "街道办事处"]
    assert bracket.carried_units == ["各乡镇人民政府", "街道办事处"]


def test_deadline_naming_a_start_and_an_end_is_due_at_the_end():
    deadline = parse_deadline("2023年3月底前启动，年底前完成", 2023)
    assert (deadline.due_on, deadline.is_ongoing) == (date(2023, 12, 31), False)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("永宁县人民政府办公室  2022年3月15日", ("永宁县人民政府办公室", date(2022, 3, 15))),
        (
            "丰乐县优化营商环境工作领导小组 二〇二四年二月二十六日",
            ("丰乐县优化营商环境工作领导小组", date(2024, 2, 26)),
        ),
        ("各单位要在 2021年4月6日", None),
        ("2021年4月6日", None),
    ],
)
def test_signature_and_date_on_one_line(line, expected):
    assert parse_signed_date_line(line) == expected


# --------------------------------------------------------------------------- through the command


@pytest.mark.django_db
def test_hold_out_documents_load_through_the_command(tmp_path):
    # Places of these documents are not in the shipped list: loaded like an office would.
    Region.objects.create(name="永宁县", level="county")
    Region.objects.create(name="南平县", level="county")
    folder = tmp_path / "plans"
    folder.mkdir()
    (folder / "yongning-2022.txt").write_text(PLAN_AS_ATTACHMENT, encoding="utf-8")
    (folder / "nanping-2023.txt").write_bytes(TRADITIONAL_LIST.encode("gb18030"))
    out = io.StringIO()
    call_command("load_policies", str(folder), "--aliases", "", stdout=out)

    yongning = Plan.objects.get(source_file="yongning-2022.txt")
    assert (yongning.doc_number, yongning.issued_on) == ("永政办发〔2022〕9号", date(2022, 3, 15))
    fourth = yongning.tasks.get(number=4)
    assert [unit.name for unit in fourth.responsible_units] == [
        "县纪委监委",
        "县直各单位",
        "各乡镇人民政府",
    ]
    assert fourth.deadline.source == DEFAULT
    nanping = Plan.objects.get(source_file="nanping-2023.txt")
    assert nanping.tasks.count() == 3
    assert nanping.tasks.get(number=2).deadline.is_ongoing
