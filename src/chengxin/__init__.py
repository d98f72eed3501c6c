"""诚信 chengxin: a personal public credit information platform."""

__version__ = "0.1.0"
