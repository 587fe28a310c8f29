"""The default roles every installation starts with. Admins can add more in the console."""

DEFAULT_ROLES = [
    {
        "code": "admin",
        "name": "系统管理员",
        "description": "本组织及下级的全部权限",
        "all_permissions": True,
        "permissions": [],
    },
    {
        "code": "organiser",
        "name": "组织管理员",
        "description": "组织建设、会员管理、工作人员授权",
        "permissions": [
            "org.view",
            "org.add",
            "org.change",
            "org.close",
            "staff.view",
            "staff.manage",
            "audit.view",
            "member.view",
            "member.change",
            "member.approve",
            "member.import",
            "member.export",
        ],
    },
    {
        "code": "hardship",
        "name": "帮扶专员",
        "description": "困难职工建档、帮扶、救助发放",
        "permissions": [
            "org.view",
            "member.view",
            "hardship.view",
            "hardship.change",
            "hardship.approve",
        ],
    },
    {
        "code": "hotline",
        "name": "热线坐席",
        "description": "12351 热线受理、转办、回访",
        "permissions": ["org.view", "member.view", "appeal.view", "appeal.change", "appeal.assign"],
    },
    {
        "code": "appeals",
        "name": "诉求办理员",
        "description": "签收、办理、办结转来的诉求",
        "permissions": ["org.view", "member.view", "appeal.view", "appeal.change"],
    },
    {
        "code": "finance",
        "name": "财务",
        "description": "预算、发放审核、资金台账",
        "permissions": ["org.view", "finance.view", "finance.approve", "hardship.view"],
    },
    {
        "code": "card_reader",
        "name": "会员卡核验",
        "description": "核验会员卡二维码、同步已注销卡号（合作商户终端、接入系统）",
        "permissions": ["card.verify"],
    },
    {
        "code": "viewer",
        "name": "只读",
        "description": "查看组织、统计和操作日志",
        "permissions": ["org.view", "member.view", "audit.view"],
    },
]
