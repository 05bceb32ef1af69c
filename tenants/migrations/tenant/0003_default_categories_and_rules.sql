-- The default request categories and triage suggestion rules a community starts with.
-- Generated from services/matters/model.py (DEFAULT_CATEGORIES, DEFAULT_RULES); a test
-- checks a new community holds exactly those. Communities edit their own copy.
INSERT INTO categories (code, name_zh, name_en, sort) VALUES
    ('housing_repair', '房屋维修', 'Housing repair', 0),
    ('home_lighting', '家中照明', 'Home lighting', 10),
    ('street_lighting', '路灯照明', 'Street lighting', 20),
    ('road_and_drainage', '道路与排水', 'Roads and drainage', 30),
    ('public_facilities', '公共设施', 'Public facilities', 40),
    ('public_health', '公共卫生', 'Public health', 50),
    ('sanitation', '环境卫生', 'Sanitation', 60),
    ('elderly_care', '养老服务', 'Elderly care', 70),
    ('social_assistance', '社会救助', 'Social assistance', 80),
    ('transport', '交通出行', 'Transport', 90),
    ('illegal_construction', '违章建筑', 'Illegal construction', 100),
    ('neighbour_dispute', '邻里纠纷', 'Neighbour dispute', 110),
    ('pets', '宠物饲养', 'Pets', 120),
    ('safety', '安全隐患', 'Safety hazards', 130),
    ('other', '其他', 'Other', 140);

INSERT INTO suggestion_rules (id, category, conditions, kind, reason_zh, reason_en, priority) VALUES
    ('home_lighting.ordinary', 'home_lighting', '{"any_of": [], "all_of": [], "referable": false}'::jsonb, 'private', '家中照明：普通家庭自行维修', 'Home lighting: an ordinary household repairs its own light', 0),
    ('home_lighting.vulnerable_elderly', 'home_lighting', '{"any_of": ["elderly_living_alone", "elderly_without_family"], "all_of": [], "referable": false}'::jsonb, 'minor', '家中照明：独居、孤寡老人家中的灯由社区负责处理', 'Home lighting: for an elderly person living alone or without family, the community handles it', 10),
    ('housing_repair.ordinary', 'housing_repair', '{"any_of": [], "all_of": [], "referable": false}'::jsonb, 'private', '房屋维修：有能力的家庭自行修缮自家房屋，由理事会说明原因', 'Housing repair: a household able to repair its own house does so; the council explains why', 0),
    ('housing_repair.without_support', 'housing_repair', '{"any_of": ["elderly_without_family", "subsistence_allowance"], "all_of": [], "referable": false}'::jsonb, 'minor', '房屋维修：孤寡老人或低保家庭无力自修，由社区和居民协商帮助', 'Housing repair: an elderly person without family or a household on subsistence allowance cannot do it alone; the community and residents negotiate help', 10),
    ('elderly_care.default', 'elderly_care', '{"any_of": [], "all_of": [], "referable": true}'::jsonb, 'private', '养老服务（如按月量血压）：属私事，可转介义工队', 'Elderly care (e.g. a monthly blood-pressure check): a private matter that may be referred to a volunteer team', 0),
    ('elderly_care.without_family', 'elderly_care', '{"any_of": ["elderly_without_family"], "all_of": [], "referable": false}'::jsonb, 'minor', '养老服务：孤寡老人无家人照料，由社区和居民协商解决', 'Elderly care: an elderly person without family has no one to turn to; the community and residents negotiate it', 10),
    ('street_lighting.default', 'street_lighting', '{"any_of": [], "all_of": [], "referable": false}'::jsonb, 'minor', '路灯照明：社区和居民协商解决（如居民在门口装灯）', 'Street lighting: the community and residents negotiate it (e.g. a resident mounts a light at his door)', 0),
    ('transport.default', 'transport', '{"any_of": [], "all_of": [], "referable": false}'::jsonb, 'major', '交通出行（如公交站点）：由县交通局等部门办理', 'Transport (e.g. a bus stop): county departments such as the transport bureau', 0),
    ('illegal_construction.default', 'illegal_construction', '{"any_of": [], "all_of": [], "referable": false}'::jsonb, 'major', '违章建筑：由城管等县级部门依法处理', 'Illegal construction: urban management and other county departments', 0),
    ('neighbour_dispute.default', 'neighbour_dispute', '{"any_of": [], "all_of": [], "referable": false}'::jsonb, 'minor', '邻里纠纷：社区调解，邻里协商', 'Neighbour dispute: the community mediates, the neighbours negotiate', 0),
    ('pets.default', 'pets', '{"any_of": [], "all_of": [], "referable": false}'::jsonb, 'minor', '宠物饲养：居民自治、社区协调（如养犬自治公约）', 'Pets: residents'' self-governance coordinated by the community (e.g. a dog owners'' convention)', 0),
    ('sanitation.default', 'sanitation', '{"any_of": [], "all_of": [], "referable": false}'::jsonb, 'minor', '环境卫生：社区和居民共同维护', 'Sanitation: the community and residents keep it up together', 0),
    ('public_health.default', 'public_health', '{"any_of": [], "all_of": [], "referable": false}'::jsonb, 'minor', '公共卫生：社区和居民协商处理', 'Public health: the community and residents negotiate it', 0),
    ('public_facilities.default', 'public_facilities', '{"any_of": [], "all_of": [], "referable": false}'::jsonb, 'minor', '公共设施：社区和居民协商处理', 'Public facilities: the community and residents negotiate it', 0),
    ('road_and_drainage.default', 'road_and_drainage', '{"any_of": [], "all_of": [], "referable": false}'::jsonb, 'major', '道路与排水：由县级部门办理', 'Roads and drainage: county departments', 0),
    ('social_assistance.default', 'social_assistance', '{"any_of": [], "all_of": [], "referable": false}'::jsonb, 'major', '社会救助（如低保审批）：由县民政等部门办理', 'Social assistance (e.g. subsistence allowance): county civil affairs', 0);
