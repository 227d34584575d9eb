"""fairs"""
